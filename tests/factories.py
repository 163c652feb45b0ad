"""Factories and personas for tests: build data through the models, never through fixtures files."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from hotline.accounts.models import Region, Role, Team, Technician, User
from hotline.customers import services
from hotline.customers.id_numbers import id_check_character
from hotline.customers.models import Customer

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def region(code: str, name: str | None = None, parent: Region | None = None) -> Region:
    level = (
        Region.Level.CITY
        if parent is None
        else Region.Level.DISTRICT
        if parent.parent_id is None
        else Region.Level.STATION
    )
    return Region.objects.create(code=code, name=name or code.upper(), level=level, parent=parent)


def user(
    role_code: str | None = Role.AGENT,
    *,
    regions: Iterable[Region] = (),
    username: str | None = None,
    team: Team | None = None,
    **fields,
) -> User:
    number = next(_counter)
    person = User(
        username=username or f"{role_code or 'user'}{number}",
        role=Role.objects.get(code=role_code) if role_code else None,
        team=team,
        **fields,
    )
    person.set_password(PASSWORD)
    person.save()
    person.regions.set(list(regions))
    return User.objects.get(pk=person.pk)


def id_number(area: str = "320402", birth: str = "19900101", seq: int = 123) -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + id_check_character(first17)


def _factory_actor() -> User:
    """The superuser that test data is created by (every region, every permission)."""
    actor = User.objects.filter(username="factory").first()
    if actor is None:
        actor = User.objects.create(username="factory", is_superuser=True, is_active=True)
    return actor


def customer(
    region: Region,
    *,
    phones: Iterable[str | tuple[str, str]] = (),
    by: User | None = None,
    **fields,
) -> Customer:
    """A customer created the way every door creates one: through ``customer_create``.

    ``phones`` are further numbers, as ``"0519…"`` or ``("0519…", "home")``.
    """
    number = next(_counter)
    data = {
        "name": f"客户{number}",
        "phone": f"139{number:08d}",
        "id_number": id_number(seq=number % 1000),
        **(
            {}
            if {"street", "compound", "building", "unit", "room"} & set(fields)
            else {"address": f"常州市天宁区测试路{number}号"}
        ),
        **fields,
        "region": region,
    }
    extra = [(p, "") if isinstance(p, str) else p for p in phones]
    if extra:
        data["phones"] = [{"number": data["phone"]}] if data.get("phone") else []
        data["phones"] += [{"number": n, "kind": k} for n, k in extra]
    return services.customer_create(by=by or _factory_actor(), data=data)


def technician(region: Region, **fields) -> Technician:
    person = user(Role.TECHNICIAN, regions=[region])
    return Technician.objects.create(
        user=person, mobile=fields.pop("mobile", "13800138000"), **fields
    )
