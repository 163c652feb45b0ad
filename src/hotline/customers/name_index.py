"""The trigram index that finds companies by a fragment of their name (decision 0011).

PostgreSQL: the ``pg_trgm`` extension and a partial GIN index on companies' names (and a
partial b-tree index for fragments too short for trigrams).
SQLite: an FTS5 table of companies' names kept by triggers on the customers table.

SQLite drops a table's triggers with the table, and Django rebuilds a table on SQLite to alter
most columns; so after every ``migrate`` (``post_migrate``) this checks that the triggers are
there and, if one was lost, puts them back and refills the table.
"""

from __future__ import annotations

from typing import Any

POSTGRES_INDEXES = ("customer_company_name_trgm_idx", "customer_company_name_idx")
POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_company_name_trgm_idx ON customers_customer"
    " USING gin (name gin_trgm_ops) WHERE kind = 'company'",
    # Fragments of two characters have no trigram: they read the companies' names from this
    # small index (index-only) instead of every customer row.
    "CREATE INDEX IF NOT EXISTS customer_company_name_idx ON customers_customer (name, id)"
    " WHERE kind = 'company'",
)
POSTGRES_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in POSTGRES_INDEXES)

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS customer_company_name"
    " USING fts5(name, tokenize = 'trigram')"
)
SQLITE_TRIGGERS = {
    "customer_company_name_insert": (
        "CREATE TRIGGER IF NOT EXISTS customer_company_name_insert AFTER INSERT"
        " ON customers_customer WHEN new.kind = 'company' BEGIN"
        " INSERT INTO customer_company_name (rowid, name) VALUES (new.id, new.name); END"
    ),
    "customer_company_name_delete": (
        "CREATE TRIGGER IF NOT EXISTS customer_company_name_delete AFTER DELETE"
        " ON customers_customer WHEN old.kind = 'company' BEGIN"
        " DELETE FROM customer_company_name WHERE rowid = old.id; END"
    ),
    "customer_company_name_update": (
        "CREATE TRIGGER IF NOT EXISTS customer_company_name_update AFTER UPDATE OF name, kind"
        " ON customers_customer BEGIN"
        " DELETE FROM customer_company_name WHERE rowid = old.id;"
        " INSERT INTO customer_company_name (rowid, name)"
        " SELECT new.id, new.name WHERE new.kind = 'company'; END"
    ),
}
SQLITE_REFILL = (
    "DELETE FROM customer_company_name",
    "INSERT INTO customer_company_name (rowid, name)"
    " SELECT id, name FROM customers_customer WHERE kind = 'company'",
)
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS customer_company_name",
)


def company_name_index_ensure(connection: Any) -> bool:
    """Create whatever part of the index is missing; ``True`` if something was."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_class WHERE relname = ANY(%s)", [list(POSTGRES_INDEXES)]
            )
            if cursor.fetchone()[0] == len(POSTGRES_INDEXES):
                return False
            for sql in POSTGRES:
                cursor.execute(sql)
            return True
        if connection.vendor != "sqlite":
            return False
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            " AND name LIKE 'customer_company_name%'"
        )
        present = {row[0] for row in cursor.fetchall()}
        if "customer_company_name" in present and set(SQLITE_TRIGGERS) <= present:
            return False
        cursor.execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        for sql in SQLITE_REFILL:
            cursor.execute(sql)
        return True


def company_name_index_drop(connection: Any) -> None:
    statements = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(connection.vendor, ())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def ensure_after_migrate(using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """``post_migrate``: put the index back if a migration rebuilt the customers table."""
    from django.db import connections

    connection = connections[using]
    if "customers_customer" in connection.introspection.table_names():
        company_name_index_ensure(connection)
