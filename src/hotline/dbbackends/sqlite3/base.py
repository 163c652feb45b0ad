"""Django's SQLite backend with a writer that waits for the lock without falling behind.

Every write transaction starts with ``BEGIN IMMEDIATE`` (settings.py), which takes the write
lock or waits for it. SQLite's own wait (the busy timeout) sleeps in growing steps, up to
100 ms between attempts, so a writer that has waited a while misses the short pauses a long
job leaves between its transactions (``hotline.pacing``) and can wait through several of
them. Here ``BEGIN IMMEDIATE`` is retried every millisecond or so instead (randomised, so
that two waiters do not fall into step), up to the same ``DATABASE_BUSY_TIMEOUT_MS``: a
waiting agent gets the lock in the first pause, and a long
job's pauses can be short. Retrying ``BEGIN`` is safe: nothing has happened yet. Statements
outside a transaction keep SQLite's busy timeout.

Connections are kept for the next request (``SQLITE_POOL_SIZE`` per process and database
file). Under ASGI every request runs in a thread of its own, so Django's persistent
connections cannot be reused, and opening one (the file, the WAL index, the init pragmas,
Django's SQL functions) costs about a millisecond. A connection goes back to the pool only
outside any transaction; one made in another process (before a fork) is never handed out.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.backends.sqlite3 import base

POLL_S = (0.0005, 0.0015)  # between attempts at the write lock, randomised
_sleep = time.sleep
_T = TypeVar("_T")

_pool: dict[tuple[int, str], list[sqlite3.Connection]] = {}
_pool_lock = threading.Lock()


def pool_clear() -> None:
    """Close every kept connection (tests that recreate a database file call this)."""
    with _pool_lock:
        kept = [conn for conns in _pool.values() for conn in conns]
        _pool.clear()
    for conn in kept:
        conn.close()


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool_key(self, database: str) -> tuple[int, str] | None:
        size = int(getattr(settings, "SQLITE_POOL_SIZE", 0))
        if size <= 0 or self.is_in_memory_db() or "mode=memory" in database:
            return None
        return (os.getpid(), database)

    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        key = self._pool_key(str(self.settings_dict["NAME"]))
        if key is not None:
            with _pool_lock:
                kept = _pool.get(key)
                conn = kept.pop() if kept else None
            if conn is not None:
                # What a schema change may have switched off for itself is on again.
                conn.execute("PRAGMA foreign_keys = ON")
                return conn
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        conn = self.connection
        key = self._pool_key(str(self.settings_dict["NAME"]))
        if conn is None or key is None or conn.in_transaction:
            super()._close()
            return
        with _pool_lock:
            kept = _pool.setdefault(key, [])
            if len(kept) < int(settings.SQLITE_POOL_SIZE):
                kept.append(conn)
                return
        super()._close()

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode != "IMMEDIATE":
            super()._start_transaction_under_autocommit()
            return
        raw = self.connection
        with self.wrap_database_errors:
            lock_wait(raw, lambda: raw.execute("BEGIN IMMEDIATE"))

    def create_cursor(self, name: str | None = None) -> sqlite3.Cursor:
        return self.connection.cursor(factory=CursorWrapper)


def lock_wait(raw: sqlite3.Connection, attempt: Callable[[], _T]) -> _T:
    """Run ``attempt`` (which takes the write lock), retrying while another holds it."""
    wait_ms = int(settings.DATABASE_BUSY_TIMEOUT_MS)
    deadline = time.monotonic() + wait_ms / 1000
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
            _sleep(random.uniform(*POLL_S))
    finally:
        raw.execute(f"PRAGMA busy_timeout = {wait_ms}")


# Statements that never write: they run as they are, outside a transaction too (in WAL
# mode a reader does not wait for the writer).
_NOT_WRITES = ("SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class CursorWrapper(base.SQLiteCursorWrapper):
    """A write outside a transaction (autocommit) waits for the lock as ``BEGIN`` does.

    Such a statement is its own transaction: when it meets the lock nothing has been
    written, so it is simply tried again.
    """

    def execute(self, query: str, params: Any = None) -> Any:
        raw = self.connection
        if raw.in_transaction or query.lstrip()[:9].upper().startswith(_NOT_WRITES):
            return super().execute(query, params)
        return lock_wait(raw, lambda: super(CursorWrapper, self).execute(query, params))
