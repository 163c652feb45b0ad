"""Writing the demo data set: on PostgreSQL in one transaction into bare tables, on SQLite in
short paced transactions whose rows stay hidden until the whole set is in.

SQLite's write lock is shared with whoever uses the application while ``hotline demo
--reset`` runs (and with the worker at first start), so there the load is a series of short
transactions (see ``hotline.pacing``) carrying an import job's id: every query hides those
rows until one small transaction marks the job done, and if the load dies the import sweep
removes them. A reset first deletes the old customers, each one with all its rows at once.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator

from django.core.management.color import no_style
from django.db import connection
from tqdm import tqdm

from hotline.pacing import WritePacer

TABLES: dict[str, tuple[str, ...]] = {
    "customers_customer": (
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
        "merged_into_id",
        "created_at",
        "updated_at",
        "import_job_id",
    ),
    "customers_customerphone": (
        "id",
        "customer_id",
        "kind",
        "number",
        "last4",
        "is_primary",
        "import_job_id",
    ),
    "customers_serviceaccount": (
        "id",
        "customer_id",
        "number",
        "status",
        "balance",
        "opened_at",
        "address",
        "synced_at",
        "import_job_id",
    ),
    "customers_subscription": (
        "id",
        "account_id",
        "product_code",
        "product_name",
        "monthly_fee",
        "starts_on",
        "ends_on",
        "status",
    ),
    "customers_device": (
        "id",
        "account_id",
        "kind",
        "serial",
        "model_name",
        "installed_on",
        "import_job_id",
    ),
    "customers_payment": ("id", "account_id", "amount", "paid_at", "channel", "reference"),
}


@contextlib.contextmanager
def bulk_load_mode(tables: list[str]) -> Iterator[None]:
    """On PostgreSQL, load into bare tables and build indexes and foreign keys once at the end.

    Maintaining a dozen indexes row by row, and checking a deferred foreign key per row at
    commit, costs more than the COPY itself; building each index from the loaded table in one
    sort is several times faster. Definitions are read from the catalogue and restored under
    the same names, so the schema is exactly what the migrations made. Runs inside the
    caller's transaction: on failure PostgreSQL's transactional DDL restores everything.
    """
    if connection.vendor != "postgresql":
        yield
        return
    indexes: list[str] = []
    foreign_keys: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Run the deferred checks of what this transaction wrote so far (regions, users):
        # a table with pending trigger events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                foreign_keys.append((table, name, definition))
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def insert_at_once(batches: Iterator[dict[str, list[tuple]]], count: int, progress: bool) -> None:
    bar = tqdm(
        total=count, unit=" customers", disable=not progress, mininterval=0.5, dynamic_ncols=True
    )
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for batch in batches:
            for table, rows in batch.items():
                if not rows:
                    continue
                columns = ", ".join(TABLES[table])
                if postgres:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(TABLES[table]))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
            bar.update(len(batch["customers_customer"]))
        if postgres:
            from hotline.customers import models as m

            tables = [
                m.Customer,
                m.CustomerPhone,
                m.ServiceAccount,
                m.Subscription,
                m.Device,
                m.Payment,
            ]
            for sql in connection.ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(sql)
    bar.close()


def delete_customers_at_once() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_customer_tags")
        cursor.execute("DELETE FROM customers_timelineentry")
        for table in reversed(list(TABLES)):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


# The column of each table that holds the customer a row belongs to (the demo gives each
# customer one account whose id is the customer's), and the table that column points at.
_OWNER: dict[str, tuple[int, str | None]] = {
    "customers_customer": (0, None),
    "customers_customerphone": (1, "customers_customer"),
    "customers_serviceaccount": (1, "customers_customer"),
    "customers_subscription": (1, "customers_serviceaccount"),
    "customers_device": (1, "customers_serviceaccount"),
    "customers_payment": (1, "customers_serviceaccount"),
}


def _shifted(table: str, rows: list[tuple], offsets: dict[str, int]) -> list[tuple]:
    """``rows`` with their own ids and the ids they point at moved by ``offsets``."""
    own = offsets[table]
    _column, parent = _OWNER[table]
    moved = offsets[parent] if parent else 0
    if not own and not moved:
        return rows
    if parent is None:
        return [(row[0] + own, *row[1:]) for row in rows]
    return [(row[0] + own, row[1] + moved, *row[2:]) for row in rows]


def _offsets(cursor: object, chunk: dict[str, list[tuple]]) -> dict[str, int]:
    """How far this chunk's ids must move so they follow the highest id in use.

    Zero unless someone else added rows while the demo loads (then the demo's ids, 1 to N
    on an empty database, give way rather than collide).
    """
    offsets = {}
    for table, rows in chunk.items():
        if not rows:
            offsets[table] = 0
            continue
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # type: ignore[attr-defined]  # noqa: S608
        highest = cursor.fetchone()[0] or 0  # type: ignore[attr-defined]
        offsets[table] = max(0, highest + 1 - rows[0][0])
    return offsets


def _prefetched(batches: Iterator[dict[str, list[tuple]]]) -> Iterator[dict[str, list[tuple]]]:
    """``batches``, generated one ahead in a thread: making rows is Python work and SQLite
    releases the interpreter lock while it writes, so the two overlap on a second core."""
    ahead: queue.Queue = queue.Queue(maxsize=1)
    done = object()

    def produce() -> None:
        try:
            for batch in batches:
                ahead.put(batch)
        except BaseException as error:  # handed to the consumer, which re-raises it
            ahead.put(error)
        ahead.put(done)

    threading.Thread(target=produce, name="demo-rows", daemon=True).start()
    while (item := ahead.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def insert_paced(
    batches: Iterator[dict[str, list[tuple]]],
    count: int,
    progress: bool,
    *,
    heartbeat: Callable[[int], None],
    pacer: WritePacer | None = None,
) -> None:
    """Write the generated rows in short transactions, a few customers (with all their
    rows) at a time; ``heartbeat(done)`` runs inside each transaction."""
    pacer = pacer or WritePacer(rows=100)
    bar = tqdm(
        total=count, unit=" customers", disable=not progress, mininterval=0.5, dynamic_ncols=True
    )
    done = 0
    with pacer.active(), connection.cursor() as cursor:
        for batch in _prefetched(batches):
            start = {table: 0 for table in TABLES}
            customers = batch["customers_customer"]
            while start["customers_customer"] < len(customers):
                first = start["customers_customer"]
                last = customers[min(first + pacer.rows, len(customers)) - 1][0]
                chunk: dict[str, list[tuple]] = {}
                for table, rows in batch.items():
                    column = _OWNER[table][0]
                    end = start[table]
                    while end < len(rows) and rows[end][column] <= last:
                        end += 1
                    chunk[table] = rows[start[table] : end]
                    start[table] = end
                taken = len(chunk["customers_customer"])
                with pacer.transaction(taken):
                    offsets = _offsets(cursor, chunk)
                    for table, rows in chunk.items():
                        if rows:
                            columns = TABLES[table]
                            marks = ", ".join(["%s"] * len(columns))
                            cursor.executemany(
                                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                                _shifted(table, rows, offsets),
                            )
                    done += taken
                    heartbeat(done)
                bar.update(taken)
    bar.close()


def delete_customers_paced(pacer: WritePacer | None = None) -> int:
    """Delete every customer with all its rows, a few customers per short transaction."""
    pacer = pacer or WritePacer(rows=100)
    removed = 0
    accounts = "SELECT id FROM customers_serviceaccount WHERE customer_id BETWEEN %s AND %s"
    with pacer.active(), connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT id FROM customers_customer ORDER BY id LIMIT %s", [pacer.rows])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return removed
            low, high = ids[0], ids[-1]
            span = [low, high]
            with pacer.transaction(len(ids)):
                for table in ("customers_subscription", "customers_device", "customers_payment"):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE account_id IN ({accounts})",  # noqa: S608
                        span,
                    )
                for table, column in (
                    ("customers_serviceaccount", "customer_id"),
                    ("customers_customerphone", "customer_id"),
                    ("customers_timelineentry", "customer_id"),
                    ("customers_customer_tags", "customer_id"),
                    ("customers_customermerge", "survivor_id"),
                    ("customers_customermerge", "duplicate_id"),
                ):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} BETWEEN %s AND %s",  # noqa: S608
                        span,
                    )
                cursor.execute(
                    "UPDATE customers_customer SET merged_into_id = NULL"
                    " WHERE merged_into_id BETWEEN %s AND %s",
                    span,
                )
                cursor.execute("DELETE FROM customers_customer WHERE id BETWEEN %s AND %s", span)
            removed += len(ids)
