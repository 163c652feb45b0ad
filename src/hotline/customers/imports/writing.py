"""Writing checked rows with the database's bulk path, and removing them again.

Every row the importer writes carries its job's id (``import_job``), so that it stays hidden
until the job is done and can be found and deleted if it never is.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from hotline.customers.imports.checks import CleanRow
from hotline.customers.models import (
    Customer,
    CustomerPhone,
    Device,
    Payment,
    ServiceAccount,
    Subscription,
)
from hotline.customers.phones import is_mobile
from hotline.pacing import WritePacer


def _columns(model: type[models.Model], supplied: tuple[str, ...]) -> tuple[list[str], tuple]:
    """Columns to insert: ``supplied`` ones, then every other column with its default.

    Keeps the bulk insert right when a column with a default is added to the model later.
    """
    columns = [model._meta.get_field(name).column for name in supplied]
    constants = []
    for field in model._meta.concrete_fields:
        if field.attname in supplied or field.name in supplied or field.primary_key:
            continue
        if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        columns.append(field.column)
        constants.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, tuple(constants)


_CUSTOMER_FIELDS = (
    "id",
    "kind",
    "name",
    "id_number",
    "phone",
    "region_id",
    "district",
    "street",
    "compound",
    "building",
    "unit",
    "room",
    "address",
    "vip_level",
    "created_at",
    "updated_at",
    "import_job_id",
)
_PHONE_FIELDS = ("customer_id", "kind", "number", "last4", "is_primary", "import_job_id")
_ACCOUNT_FIELDS = ("id", "customer_id", "number", "address", "opened_at", "import_job_id")
_DEVICE_FIELDS = ("account_id", "kind", "serial", "import_job_id")


class BulkWriter:
    """Inserts customers with their phones (and accounts and smart cards) in the caller's
    transaction; ``write`` is called once per short transaction."""

    def __init__(self, *, job_id: int) -> None:
        self.job_id = job_id
        self.postgres = connection.vendor == "postgresql"
        self.stamp = Customer._meta.get_field("created_at").get_db_prep_save(
            timezone.now(), connection
        )
        self.tables = {
            model: (model._meta.db_table, *_columns(model, fields))
            for model, fields in (
                (Customer, _CUSTOMER_FIELDS),
                (CustomerPhone, _PHONE_FIELDS),
                (ServiceAccount, _ACCOUNT_FIELDS),
                (Device, _DEVICE_FIELDS),
            )
        }

    def _ids(self, cursor: Any, model: type[models.Model], count: int) -> list[int]:
        """``count`` new primary keys of ``model``'s table.

        On SQLite they follow the highest id in use when this transaction began (it holds the
        write lock, so nobody else can take them); AUTOINCREMENT's own counter is honoured so
        that the id of a deleted row is never given out again.
        """
        table = model._meta.db_table
        if self.postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT MAX(id) FROM {table}"  # noqa: S608
            " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s",
            [table],
        )
        first = max((row[0] or 0 for row in cursor.fetchall()), default=0) + 1
        return list(range(first, first + count))

    def _insert(self, cursor: Any, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        table, columns, _constants = self.tables[model]
        names = ", ".join(columns)
        if self.postgres:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def write(self, batch: list[CleanRow]) -> None:
        stamp, job = self.stamp, self.job_id
        extra = self.tables[Customer][2]
        phone_extra = self.tables[CustomerPhone][2]
        account_extra = self.tables[ServiceAccount][2]
        device_extra = self.tables[Device][2]
        with connection.cursor() as cursor:
            ids = self._ids(cursor, Customer, len(batch))
            with_account = [r for r in batch if r.account]
            account_ids = iter(self._ids(cursor, ServiceAccount, len(with_account)))
            customers, phones, accounts, devices = [], [], [], []
            for pk, r in zip(ids, batch, strict=True):
                customers.append(
                    (
                        pk,
                        r.kind,
                        r.name,
                        r.id_number,
                        r.phone,
                        r.region_id,
                        r.district,
                        r.street,
                        r.compound,
                        r.building,
                        r.unit,
                        r.room,
                        r.address,
                        r.vip_level,
                        stamp,
                        stamp,
                        job,
                        *extra,
                    )
                )
                main_kind = (
                    "mobile" if is_mobile(r.phone) else ("work" if r.kind == "company" else "home")
                )
                phones.append((pk, main_kind, r.phone, r.phone[-4:], True, job, *phone_extra))
                if r.other_phone:
                    other_kind = "mobile" if is_mobile(r.other_phone) else "home"
                    phones.append(
                        (
                            pk,
                            other_kind,
                            r.other_phone,
                            r.other_phone[-4:],
                            False,
                            job,
                            *phone_extra,
                        )
                    )
                if r.account:
                    account_id = next(account_ids)
                    accounts.append(
                        (account_id, pk, r.account, r.address, stamp, job, *account_extra)
                    )
                    if r.card:
                        devices.append(
                            (account_id, Device.Kind.SMART_CARD, r.card, job, *device_extra)
                        )
            self._insert(cursor, Customer, customers)
            self._insert(cursor, CustomerPhone, phones)
            self._insert(cursor, ServiceAccount, accounts)
            self._insert(cursor, Device, devices)


# Children first: each table's rows only point at rows of the tables after it. Subscriptions
# and payments (written by the demo load) belong to the job through their account.
def _cleanup_steps() -> list[tuple[str, str]]:
    accounts = ServiceAccount._meta.db_table
    steps = []
    for model in (Subscription, Payment):
        table = model._meta.db_table
        steps.append(
            (
                table,
                f"SELECT t.id FROM {table} t JOIN {accounts} a ON a.id = t.account_id"  # noqa: S608
                " WHERE a.import_job_id = %s LIMIT %s",
            )
        )
    for model in (Device, ServiceAccount, CustomerPhone, Customer):
        table = model._meta.db_table
        steps.append((table, f"SELECT id FROM {table} WHERE import_job_id = %s LIMIT %s"))  # noqa: S608
    return steps


def rows_remove(*, job_id: int, pacer: WritePacer | None = None, alive: Any = None) -> int:
    """Delete every row import ``job_id`` wrote, in short transactions; returns how many.

    ``alive()`` runs inside each transaction (the caller's heartbeat) and may raise to stop
    the clean-up, leaving the rest to whoever took the job over.
    """
    pacer = pacer or WritePacer(rows=500)
    removed = 0
    with pacer.active():
        for table, chosen in _cleanup_steps():
            removed += _remove_from(table, chosen, job_id, pacer, alive)
    return removed


def _remove_from(table: str, chosen: str, job_id: int, pacer: WritePacer, alive: Any) -> int:
    removed = 0
    while True:
        limit = pacer.rows
        with pacer.transaction(limit), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({chosen})", [job_id, limit])  # noqa: S608
            count = cursor.rowcount
            if alive is not None:
                alive()
        removed += count
        if count < limit:
            return removed
