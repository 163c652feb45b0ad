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
"""

from __future__ import annotations

import random
import sqlite3
import time

from django.conf import settings
from django.db.backends.sqlite3 import base

POLL_S = (0.0005, 0.0015)  # between attempts at the write lock, randomised
_sleep = time.sleep


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode != "IMMEDIATE":
            super()._start_transaction_under_autocommit()
            return
        raw = self.connection
        wait_ms = int(settings.DATABASE_BUSY_TIMEOUT_MS)
        deadline = time.monotonic() + wait_ms / 1000
        with self.wrap_database_errors:
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                while True:
                    try:
                        raw.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as error:
                        if "locked" not in str(error) or time.monotonic() >= deadline:
                            raise
                    _sleep(random.uniform(*POLL_S))
            finally:
                raw.execute(f"PRAGMA busy_timeout = {wait_ms}")
