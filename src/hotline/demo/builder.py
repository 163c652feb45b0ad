"""The deterministic demo data set: ``hotline demo --customers N --seed S``.

Same seed, same data: every random choice comes from one ``random.Random(seed)`` and every
timestamp from a fixed base date, never from the clock. Customers are written with the
database's bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL) because a million
ORM saves would take an hour; people, regions and configuration go through the ORM.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from hotline.accounts.models import Region, Role, Team, Technician, User
from hotline.accounts.roles import ensure_default_roles
from hotline.audit.context import audit_actor
from hotline.audit.record import audit_record
from hotline.catalog.models import StatisticItem
from hotline.customers.addresses import compose_address
from hotline.customers.id_numbers import id_check_character
from hotline.customers.models import Customer
from hotline.demo import data
from hotline.demo.knowledge import build_call_script_demo, build_knowledge_demo
from hotline.demo.tickets import build_ticket_demo, delete_ticket_demo
from hotline.demo.writing import (
    TABLES,
    bulk_load_mode,
    delete_customers_at_once,
    delete_customers_paced,
    insert_at_once,
    insert_paced,
)
from hotline.pacing import WritePacer

DEMO_PASSWORD = "hotline-demo"  # noqa: S105  (printed by `make run`; demo only)
BASE_TIME = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
BATCH = 20_000

# One login per role, printed by `hotline run`.
ROLE_LOGINS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # username, role code, display name, region codes
    ("agent", Role.AGENT, "李娜", ("cz",)),
    ("teamlead", Role.TEAM_LEAD, "王强", ("cz",)),
    ("dispatcher", Role.DISPATCHER, "陈军", ("cz-wj",)),
    ("technician", Role.TECHNICIAN, "赵刚", ("cz-wj-01",)),
    ("editor", Role.KNOWLEDGE_EDITOR, "周敏", ("cz",)),
    ("inspector", Role.QA_INSPECTOR, "孙静", ()),
    ("manager", Role.MANAGER, "刘洋", ()),
    ("admin", Role.ADMIN, "系统管理员", ()),
)


class DemoDataExists(Exception):
    """The database already holds customers; pass ``reset=True`` to rebuild."""


@dataclass(frozen=True)
class DemoResult:
    customers: int
    users: int
    regions: int
    seconds: float


@dataclass(frozen=True)
class _District:
    code: str
    name: str
    area_code: str
    station_ids: tuple[int, ...]
    streets: tuple[str, ...]
    compounds: tuple[str, ...]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role label) for each role's demo login."""
    roles = {r.code: r for r in Role.objects.all()}
    return [
        (username, DEMO_PASSWORD, str(roles[code]) if code in roles else code)
        for username, code, _name, _regions in ROLE_LOGINS
    ]


def _build_regions() -> dict[str, Region]:
    city_code, city_name, _ = data.CITY
    city, _ = Region.objects.get_or_create(
        code=city_code, defaults={"name": city_name, "level": Region.Level.CITY}
    )
    regions = {city_code: city}
    for code, name, _area, _weight, stations, _streets, _compounds in data.DISTRICTS:
        district, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": Region.Level.DISTRICT, "parent": city}
        )
        regions[code] = district
        for index, station_name in enumerate(stations, start=1):
            station_code = f"{code}-{index:02d}"
            station, _ = Region.objects.get_or_create(
                code=station_code,
                defaults={"name": station_name, "level": Region.Level.STATION, "parent": district},
            )
            regions[station_code] = station
    return regions


def _build_statistic_items() -> None:
    items: dict[str, StatisticItem] = {}
    for order, (code, parent, zh, en, applies) in enumerate(data.STATISTIC_ITEMS, start=1):
        item, _ = StatisticItem.objects.get_or_create(
            code=code,
            defaults={
                "parent": items.get(parent),
                "label_zh": zh,
                "label_en": en,
                "applies_to": applies,
                "sort_order": order * 10,
            },
        )
        items[code] = item


def _build_people(rng: random.Random, regions: dict[str, Region]) -> int:
    ensure_default_roles()
    roles = {r.code: r for r in Role.objects.all()}
    password = make_password(DEMO_PASSWORD)  # hash once: argon2 is slow on purpose
    created = 0

    def person(
        username: str, role_code: str, name: str, region_codes: tuple[str, ...], **extra
    ) -> User:  # type: ignore[no-untyped-def]
        nonlocal created
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                password=password,
                display_name=name,
                role=roles[role_code],
                is_superuser=role_code == Role.ADMIN,
                time_zone="Asia/Shanghai",
                **extra,
            )
            user.save()
            user.regions.set([regions[c] for c in region_codes])
            created += 1
        return user

    for username, code, name, region_codes in ROLE_LOGINS:
        person(
            username,
            code,
            name,
            region_codes,
            employee_no=f"E{len(username):02d}{username[:3].upper()}",
        )

    teams = (
        ("市区一组", "cz", "teamlead", 8),
        ("市区二组", "cz", "lead02", 8),
        ("溧阳组", "cz-ly", "lead03", 6),
    )
    for team_index, (team_name, region_code, lead_name, size) in enumerate(teams, start=1):
        lead = person(
            lead_name,
            Role.TEAM_LEAD,
            _person_name(rng),
            (region_code,),
            employee_no=f"L{team_index:03d}",
        )
        team, _ = Team.objects.get_or_create(
            name=team_name, defaults={"lead": lead, "region": regions[region_code]}
        )
        if lead.team_id != team.pk:
            lead.team = team
            lead.save(update_fields=["team"])
        for member in range(1, size + 1):
            number = (team_index - 1) * 10 + member
            agent = person(
                f"agent{number:02d}",
                Role.AGENT,
                _person_name(rng),
                (region_code,),
                employee_no=f"A{number:03d}",
                extension=f"8{number:03d}",
            )
            if agent.team_id != team.pk:
                agent.team = team
                agent.save(update_fields=["team"])
    agent = User.objects.get(username="agent")
    if agent.team_id is None:
        agent.team = Team.objects.get(name="市区一组")
        agent.save(update_fields=["team"])

    technician_index = 0
    for code, *_rest in data.DISTRICTS:
        stations = sorted(c for c in regions if c.startswith(code + "-"))
        for station_code in stations:
            technician_index += 1
            username = "technician" if station_code == "cz-wj-01" else f"tech{technician_index:02d}"
            user = person(username, Role.TECHNICIAN, _person_name(rng), (station_code,))
            Technician.objects.get_or_create(
                user=user,
                defaults={
                    "mobile": _mobile(rng),
                    "skills": rng.choice(("有线电视", "宽带", "有线电视, 宽带", "光纤熔接")),
                },
            )
    return created


def _person_name(rng: random.Random) -> str:
    given = rng.choice(data.GIVEN)
    if rng.random() < 0.7:
        given += rng.choice(data.GIVEN)
    return rng.choice(data.SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _districts(regions: dict[str, Region]) -> tuple[list[_District], list[int]]:
    districts, weights = [], []
    for code, name, area, weight, stations, streets, compounds in data.DISTRICTS:
        station_ids = tuple(regions[f"{code}-{i:02d}"].pk for i in range(1, len(stations) + 1))
        districts.append(_District(code, name, area, station_ids, streets, compounds))
        weights.append(weight)
    return districts, weights


_BIRTH_START = datetime.date(1940, 1, 1)
_BIRTH_DAYS = (datetime.date(2006, 12, 31) - _BIRTH_START).days

# Products of a cable-TV operator: code, name, monthly fee.
_PRODUCTS = (
    ("DTV-BASIC", "数字电视基本包", "26.00"),
    ("DTV-HD", "高清互动包", "30.00"),
    ("DTV-SPORT", "体育频道包", "15.00"),
    ("DTV-KIDS", "少儿频道包", "10.00"),
    ("BB-100M", "宽带100M", "50.00"),
    ("BB-300M", "宽带300M", "80.00"),
)
_STB_MODELS = ("华为 EC6108V9", "中兴 B860AV2", "创维 E900", "九联 UNT400B")
_PAY_CHANNELS = ("营业厅", "微信", "支付宝", "银行代扣")


def _rows(
    rng: random.Random,
    count: int,
    districts: list[_District],
    weights: list[int],
    is_postgres: bool,
    job_id: int | None = None,
) -> Iterator[dict[str, list[tuple]]]:
    """Yield batches of rows per table (see ``TABLES`` for the column order); rows of the
    tables an import hides carry ``job_id``."""
    cumulative = []
    total = 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    birth_dates = [
        (_BIRTH_START + datetime.timedelta(days=d)).strftime("%Y%m%d")
        for d in range(_BIRTH_DAYS + 1)
    ]
    span = 15 * 365 * 86400
    tz = "+00:00" if is_postgres else ""
    random_, randrange, choice = rng.random, rng.randrange, rng.choice
    # Addresses are written the way ``customers.fields`` stores them (bare building, unit and
    # room numbers; the full text composed from the parts), so search treats demo, imported
    # and typed-in customers alike.
    compose, city = compose_address, data.CITY[1]
    ids = {"phone": 0, "sub": 0, "device": 0, "payment": 0}
    batch: dict[str, list[tuple]] = {table: [] for table in TABLES}
    for customer_id in range(1, count + 1):
        pick = random_() * total
        district = districts[next(i for i, c in enumerate(cumulative) if pick < c)]
        station_id = choice(district.station_ids)
        street = choice(district.streets)
        if random_() < 0.03:
            kind = "company"
            name = (
                choice(data.COMPANY_WORDS) + choice(data.COMPANY_WORDS) + choice(data.COMPANY_KINDS)
            )
            id_number = ""
            phone = f"0519{randrange(60_000_000, 90_000_000)}"
            compound = building = unit = room = ""
            address = compose(city=city, district=district.name, street=street) + (
                f"{randrange(1, 400)}号"
            )
        else:
            kind = "person"
            given = choice(data.GIVEN)
            if random_() < 0.7:
                given += choice(data.GIVEN)
            name = choice(data.SURNAMES) + given
            first17 = f"{district.area_code}{choice(birth_dates)}{randrange(1000):03d}"
            id_number = first17 + id_check_character(first17)
            phone = choice(data.MOBILE_PREFIXES) + f"{randrange(100_000_000):08d}"
            compound = choice(district.compounds)
            building = str(randrange(1, 61))
            unit = str(randrange(1, 7))
            room = f"{randrange(1, 19)}{randrange(1, 5):02d}"
            address = compose(
                city=city,
                district=district.name,
                street=street,
                compound=compound,
                building=building,
                unit=unit,
                room=room,
            )
        vip = 0 if random_() < 0.95 else randrange(1, 4)
        created = BASE_TIME - datetime.timedelta(seconds=randrange(span))
        stamp = created.strftime("%Y-%m-%d %H:%M:%S") + tz
        batch["customers_customer"].append(
            (
                customer_id,
                kind,
                name,
                id_number,
                phone,
                station_id,
                district.name,
                street,
                compound,
                building,
                unit,
                room,
                address,
                vip,
                None,
                stamp,
                stamp,
                job_id,
            )
        )
        ids["phone"] += 1
        batch["customers_customerphone"].append(
            (
                ids["phone"],
                customer_id,
                "mobile" if phone[0] == "1" else "work",
                phone,
                phone[-4:],
                True,
                job_id,
            )
        )
        if random_() < 0.2:
            ids["phone"] += 1
            home = f"0519{randrange(80_000_000, 90_000_000)}"
            batch["customers_customerphone"].append(
                (ids["phone"], customer_id, "home", home, home[-4:], False, job_id)
            )
        # One service account per customer, id = customer id.
        status = "active" if random_() < 0.92 else choice(("suspended", "closed"))
        balance = f"{randrange(-5000, 30000) / 100:.2f}"
        batch["customers_serviceaccount"].append(
            (
                customer_id,
                customer_id,
                f"{5_190_000_000 + customer_id}",
                status,
                balance,
                stamp,
                address,
                None,
                job_id,
            )
        )
        start_day = created.date()
        for product in rng.sample(_PRODUCTS[:4], k=1 + (random_() < 0.4)) + (
            [choice(_PRODUCTS[4:])] if random_() < 0.35 else []
        ):
            ids["sub"] += 1
            active = status == "active" or random_() < 0.3
            batch["customers_subscription"].append(
                (
                    ids["sub"],
                    customer_id,
                    product[0],
                    product[1],
                    product[2],
                    start_day.isoformat(),
                    None if active else (start_day + datetime.timedelta(days=365)).isoformat(),
                    "active" if active else "expired",
                )
            )
        installed = start_day.isoformat()
        ids["device"] += 1
        batch["customers_device"].append(
            (
                ids["device"],
                customer_id,
                "stb",
                f"STB{customer_id:011d}",
                choice(_STB_MODELS),
                installed,
                job_id,
            )
        )
        ids["device"] += 1
        batch["customers_device"].append(
            (
                ids["device"],
                customer_id,
                "card",
                f"8320{customer_id:012d}",
                "CA 智能卡",
                installed,
                job_id,
            )
        )
        for months_ago in range(randrange(0, 3)):
            ids["payment"] += 1
            paid = BASE_TIME - datetime.timedelta(days=30 * months_ago + randrange(30))
            batch["customers_payment"].append(
                (
                    ids["payment"],
                    customer_id,
                    choice(("26.00", "56.00", "106.00", "312.00")),
                    paid.strftime("%Y-%m-%d %H:%M:%S") + tz,
                    choice(_PAY_CHANNELS),
                    f"P{ids['payment']:012d}",
                )
            )
        if customer_id % BATCH == 0:
            yield batch
            batch = {table: [] for table in TABLES}
    if batch["customers_customer"]:
        yield batch


def demo_build(
    *,
    customers: int,
    seed: int = 2026,
    progress: bool = False,
    reset: bool = False,
    alone: bool = False,
) -> DemoResult:
    """Build the demo data set with ``customers`` customers.

    Raises ``DemoDataExists`` when customers exist, unless ``reset``. On SQLite the customers
    are written in short transactions and appear all at once at the end (see
    ``hotline.demo.writing``); on PostgreSQL in one transaction. ``alone`` says that no other
    process uses the database (first start, before the web server and worker run): the
    transactions stay short, without the pauses that let other writers in.
    """
    import time

    if customers < 0:
        raise ValueError("customers: must be zero or more")
    started = time.perf_counter()
    rng = random.Random(seed)
    postgres = connection.vendor == "postgresql"
    with audit_actor(name="demo"):
        if reset:
            delete_ticket_demo()  # orders refer to the customers about to go
        if postgres:
            _build_in_one_transaction(rng, customers, seed, progress, reset)
        else:
            _build_in_short_transactions(rng, customers, seed, progress, reset, alone)
        build_ticket_demo(seed=seed)
        build_call_script_demo()  # suggests the order types just built
    with connection.cursor() as cursor:
        if postgres:
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    return DemoResult(
        customers=customers,
        users=User.objects.count(),
        regions=Region.objects.count(),
        seconds=time.perf_counter() - started,
    )


def _audit(customers: int, seed: int, reset: bool) -> None:
    audit_record(
        action="system",
        model="customers.customer",
        object_repr=f"演示数据：{customers} 个客户，种子 {seed}",
        changes={"customers": customers, "seed": seed, "reset": reset},
    )


def _build_in_one_transaction(
    rng: random.Random, customers: int, seed: int, progress: bool, reset: bool
) -> None:
    with transaction.atomic():
        if Customer.all_objects.exists():
            if not reset:
                raise DemoDataExists("customers already exist; use --reset to rebuild them")
            delete_customers_at_once()
        regions = _build_regions()
        _build_statistic_items()
        _build_people(rng, regions)
        build_knowledge_demo(regions)
        districts, weights = _districts(regions)
        batches = _rows(random.Random(seed * 7919 + 1), customers, districts, weights, True)
        with bulk_load_mode(list(TABLES)):
            insert_at_once(batches, customers, progress)
        _audit(customers, seed, reset)


def _build_in_short_transactions(
    rng: random.Random, customers: int, seed: int, progress: bool, reset: bool, alone: bool
) -> None:
    from hotline.customers.imports.services import (
        import_jobs_sweep,
        import_rows_cleanup,
        worker_id,
    )
    from hotline.customers.models import ImportJob

    import_jobs_sweep()  # rows of a demo load that died are removed first
    if Customer.all_objects.exists():
        if not reset:
            raise DemoDataExists("customers already exist; use --reset to rebuild them")
        delete_customers_paced()
    with transaction.atomic():
        regions = _build_regions()
        _build_statistic_items()
    with transaction.atomic():
        _build_people(rng, regions)
    with transaction.atomic():
        build_knowledge_demo(regions)
    districts, weights = _districts(regions)
    now = timezone.now()
    job = ImportJob.objects.create(
        file_path="",
        original_name=f"演示数据：{customers} 个客户，种子 {seed}"[:255],
        file_format=ImportJob.Format.CSV,
        status=ImportJob.Status.IMPORTING,
        dry_run=False,
        total_rows=customers,
        rows_hidden=True,
        worker=worker_id(),
        heartbeat_at=now,
        started_at=now,
        created_by=User.objects.get(username="admin"),
    )

    def heartbeat(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=done, imported_count=done, heartbeat_at=timezone.now()
        )

    batches = _rows(random.Random(seed * 7919 + 1), customers, districts, weights, False, job.pk)
    try:
        pacer = WritePacer(rows=100, gap=(0.0, 0.0)) if alone else None
        insert_paced(batches, customers, progress, heartbeat=heartbeat, pacer=pacer)
    except BaseException:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(), imported_count=0
        )
        import_rows_cleanup(job=job)
        raise
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE,
            rows_hidden=False,
            processed_rows=customers,
            imported_count=customers,
            finished_at=timezone.now(),
        )
        _audit(customers, seed, reset)
