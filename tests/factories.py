"""Factories and personas for tests: build data through the models, never through fixtures files."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from hotline.accounts.models import Region, Role, Team, Technician, User
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


def customer(region: Region, **fields) -> Customer:
    number = next(_counter)
    defaults = {
        "name": f"客户{number}",
        "phone": f"139{number:08d}",
        "id_number": id_number(seq=number % 1000),
        "address": f"常州市天宁区青洋路红梅新村{number}幢1单元101室",
    }
    defaults.update(fields)
    return Customer.objects.create(region=region, **defaults)


def technician(region: Region, **fields) -> Technician:
    person = user(Role.TECHNICIAN, regions=[region])
    return Technician.objects.create(
        user=person, mobile=fields.pop("mobile", "13800138000"), **fields
    )
