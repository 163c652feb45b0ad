"""The demo data set is deterministic, realistic and safe to rebuild."""

from __future__ import annotations

import hashlib

import pytest

from hotline.accounts.models import AuditEntry, Region, Role, Technician, User
from hotline.catalog.models import StatisticItem
from hotline.customers.id_numbers import is_valid_id_number
from hotline.customers.models import Customer
from hotline.customers.phones import is_mobile
from hotline.demo.builder import ROLE_LOGINS, DemoDataExists, demo_build


def digest() -> str:
    rows = Customer.objects.order_by("id").values_list(
        "id",
        "kind",
        "name",
        "id_number",
        "phone",
        "region__code",
        "address",
        "vip_level",
        "created_at",
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    demo_build(customers=300, seed=7)
    first = digest()
    demo_build(customers=300, seed=7, reset=True)
    assert digest() == first
    demo_build(customers=300, seed=8, reset=True)
    assert digest() != first


@pytest.mark.django_db
def test_demo_data_is_realistic():
    result = demo_build(customers=500, seed=1)
    assert result.customers == Customer.objects.count() == 500
    people = Customer.objects.filter(kind=Customer.Kind.PERSON)
    assert people.count() > 400
    for customer in people[:200]:
        assert is_valid_id_number(customer.id_number), customer.id_number
        assert is_mobile(customer.phone)
        assert (
            "幢" in customer.address
            and "单元" in customer.address
            and customer.address.endswith("室")
        )
        assert 2 <= len(customer.name) <= 3
        assert customer.region.level == Region.Level.STATION
    assert Region.objects.filter(level=Region.Level.DISTRICT).count() == 6
    assert StatisticItem.objects.filter(code="fault-no-signal", parent__code="fault").exists()
    assert Technician.objects.count() >= 30


LANDINGS = {
    "agent": "/desk/",
    "teamlead": "/desk/team/",
    "dispatcher": "/orders/board/",
    "technician": "/orders/my/",
    "editor": "/knowledge/desk/",
    "inspector": "/desk/calls/",
    "manager": "/orders/reports/",
    "admin": "/",
}


@pytest.mark.django_db
def test_every_role_has_a_demo_login_that_works(client):
    demo_build(customers=10, seed=1)
    for username, role_code, _name, _regions in ROLE_LOGINS:
        user = User.objects.get(username=username)
        assert user.role.code == role_code
        response = client.post("/login/", {"username": username, "password": "hotline-demo"})
        assert response.status_code == 302, username
        # Each role lands on its day's work (the home page's tiles for admins), and
        # that page answers with content for the demo user.
        landing = client.get(response["Location"])
        assert landing.status_code == 200, (username, response["Location"])
        assert response["Location"] == LANDINGS[username], username
        client.logout()
    assert {u.role.code for u in User.objects.filter(username__in=[r[0] for r in ROLE_LOGINS])} == {
        r.code for r in Role.objects.all()
    }


@pytest.mark.django_db
def test_building_twice_without_reset_is_refused():
    demo_build(customers=5, seed=1)
    with pytest.raises(DemoDataExists):
        demo_build(customers=5, seed=1)
    assert Customer.objects.count() == 5


@pytest.mark.django_db
def test_demo_build_is_audited_as_one_system_entry():
    demo_build(customers=50, seed=3)
    entry = AuditEntry.objects.get(action="system")
    assert entry.actor_name == "demo"
    assert entry.changes == {"customers": 50, "seed": 3, "reset": False}
    assert not AuditEntry.objects.filter(model="customers.customer", action="create").exists()


@pytest.mark.django_db
def test_the_demo_load_reads_in_chinese_where_users_see_it():
    """The load is listed under "my imports" and in the audit log of a Chinese interface."""
    from django.db import connection

    from hotline.customers.models import ImportJob

    demo_build(customers=20, seed=3)
    if connection.vendor == "sqlite":  # PostgreSQL loads it in one transaction, no import job
        assert ImportJob.objects.get().original_name == "演示数据：20 个客户，种子 3"
    assert AuditEntry.objects.get(action="system").object_repr == "演示数据：20 个客户，种子 3"


@pytest.mark.django_db
def test_new_customers_after_the_demo_get_fresh_ids(world):
    demo_build(customers=20, seed=3, reset=True)
    created = Customer.objects.create(name="新客户", region=Region.objects.get(code="cz-tn-01"))
    assert created.pk == 21


def _schema(tables: list[str]) -> dict[str, set[str]]:
    from django.db import connection

    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in tables:
            constraints = connection.introspection.get_constraints(cursor, table)
            found[table] = {
                f"{name}:{sorted(c['columns'])}:{c['index']}:{c['unique']}:{c['foreign_key']}"
                for name, c in constraints.items()
            }
    return found


@pytest.mark.django_db
def test_bulk_load_leaves_every_index_and_foreign_key_as_the_migrations_made_them():
    from hotline.demo.builder import TABLES

    before = _schema(list(TABLES))
    demo_build(customers=50, seed=4)
    assert _schema(list(TABLES)) == before


def _spy_on_the_load(monkeypatch, after_beat=None) -> list[tuple[int, int, int]]:
    """Record (customers done, customers anyone can see, customers written) at each of the
    load's short transactions; ``after_beat(n)`` may interrupt it."""
    from hotline import pacing
    from hotline.demo import builder

    seen: list[tuple[int, int, int]] = []
    real = builder.insert_paced

    def spy(batches, count, progress, *, heartbeat, **kwargs):
        def beat(done: int) -> None:
            heartbeat(done)
            seen.append((done, Customer.objects.count(), Customer.all_objects.count()))
            if after_beat:
                after_beat(len(seen))

        pacer = pacing.WritePacer(rows=20, high=20, gap=(0.0, 0.0))
        return real(batches, count, progress, heartbeat=beat, pacer=pacer)

    monkeypatch.setattr(builder, "insert_paced", spy)
    return seen


@pytest.mark.django_db
def test_sqlite_demo_load_writes_in_short_transactions_and_shows_customers_only_when_done(
    monkeypatch,
):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL loads the demo in one transaction")
    seen = _spy_on_the_load(monkeypatch)
    demo_build(customers=200, seed=5)
    assert len(seen) >= 5
    assert all(visible == 0 for _done, visible, _written in seen)
    assert [written for _done, _visible, written in seen] == [done for done, _v, _w in seen]
    assert Customer.objects.count() == 200


@pytest.mark.django_db
def test_an_interrupted_demo_load_leaves_no_customer(monkeypatch):
    from django.db import connection

    from hotline.customers.models import ImportJob

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL loads the demo in one transaction")

    def interrupt(beats: int) -> None:
        if beats == 3:
            raise KeyboardInterrupt

    _spy_on_the_load(monkeypatch, interrupt)
    with pytest.raises(KeyboardInterrupt):
        demo_build(customers=200, seed=5)
    assert Customer.all_objects.count() == 0
    job = ImportJob.objects.get()
    assert (job.status, job.rows_hidden) == (ImportJob.Status.FAILED, False)


@pytest.mark.django_db
def test_sqlite_reset_removes_the_old_customers_with_all_their_rows(monkeypatch):
    from django.db import connection

    from hotline.customers.models import CustomerPhone, Payment, ServiceAccount, Subscription

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL loads the demo in one transaction")
    demo_build(customers=120, seed=5)
    first = digest()
    demo_build(customers=120, seed=5, reset=True)
    assert digest() == first
    assert CustomerPhone.all_objects.filter(customer__isnull=True).count() == 0
    assert ServiceAccount.all_objects.count() == 120
    assert Subscription.objects.filter(account__customer__isnull=True).count() == 0
    assert Payment.objects.count() >= 0
