"""Hold a real database lock from a second connection, as a long write elsewhere would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from hotline.accounts.models import AuditEntry
from hotline.customers.models import TimelineEntry


@contextmanager
def write_lock_held_elsewhere() -> Iterator[None]:
    """Another connection holds the lock a note (and its audit entry) needs until the block ends.

    SQLite: the database's write lock (BEGIN IMMEDIATE on the file-based test database).
    PostgreSQL, which locks rows and tables rather than the database: the tables a note writes.
    """
    other = connections.create_connection("default")
    try:
        if other.vendor == "sqlite":
            other.cursor().execute("BEGIN IMMEDIATE")
        else:
            tables = ", ".join(m._meta.db_table for m in (TimelineEntry, AuditEntry))
            other.set_autocommit(False)
            other.cursor().execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        yield
    finally:
        if other.vendor == "sqlite":
            other.cursor().execute("ROLLBACK")
        else:
            other.rollback()
        other.close()
