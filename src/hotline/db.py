"""How long a write waits for a lock, and how to recognise that the wait ran out.

Agents, the task worker and (next) the switchboard share one database. A write that meets
another transaction's lock waits at most ``DATABASE_BUSY_TIMEOUT_MS`` (SQLite's busy timeout,
PostgreSQL's ``lock_timeout``), then fails with an ``OperationalError`` that
``is_lock_timeout`` recognises, so the web layer can answer "busy, try again" instead of 500.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

# PostgreSQL SQLSTATEs that mean "another transaction was in the way", not "this is wrong".
_BUSY_SQLSTATES = {
    "55P03",  # lock_not_available: lock_timeout ran out
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
}
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")
_CONFIGURED_WAIT = re.compile(r"(?:busy_timeout=|lock_timeout=)(\d+)")


def is_lock_timeout(error: BaseException) -> bool:
    """True when ``error`` says a lock could not be had in time (retrying may succeed)."""
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    if sqlstate:
        return sqlstate in _BUSY_SQLSTATES
    message = str(error).lower()
    return any(text in message for text in _SQLITE_BUSY_MESSAGES)


def _configured_wait(options: dict[str, Any]) -> int | None:
    """The wait settings.py wrote into a connection's options, in milliseconds."""
    text = f"{options.get('init_command', '')} {options.get('options', '')}"
    found = _CONFIGURED_WAIT.search(text)
    return int(found.group(1)) if found else None


def apply_busy_timeout(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: give the connection ``DATABASE_BUSY_TIMEOUT_MS``.

    settings.py already writes the wait into SQLite's ``init_command`` and libpq's
    ``options``, so a new connection normally needs nothing here; this acts only when the
    setting differs from what the connection has (a test shortening the wait). A pooled
    PostgreSQL connection remembers what was applied to it, so it is put back afterwards.
    """
    wait = int(settings.DATABASE_BUSY_TIMEOUT_MS)
    raw = connection.connection
    configured = _configured_wait(connection.settings_dict.get("OPTIONS", {}))
    if connection.vendor == "sqlite" and wait != configured:
        raw.execute(f"PRAGMA busy_timeout = {wait}")
    elif connection.vendor == "postgresql" and wait != getattr(
        raw, "hotline_busy_timeout_ms", configured
    ):
        with raw.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{wait}ms"])
        raw.hotline_busy_timeout_ms = wait


def postgres_database_ensure(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names when it does not exist (the benchmarks'
    scratch databases); return whether it was created. Other URLs are left alone."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return False
    name = parts.path.lstrip("/")
    if not name:
        return False
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True
