"""Long jobs write in short transactions that leave room for everyone else (decision 0013).

SQLite lets one connection write at a time. ``WritePacer`` sizes each transaction of a long
job so that it holds the lock for about ``hold`` seconds (50 ms), measured as the job goes (a
table's indexes grow, the machine is shared), and starts the next one only after a pause of
``gap`` seconds (6 to 12 ms). Every other writer retries ``BEGIN IMMEDIATE`` about every
millisecond while it waits (``hotline.dbbackends.sqlite3``; SQLite's own busy handler would
sleep up to 100 ms between attempts and miss such pauses), so it gets in at the next pause:
an agent's write waits at most about one job transaction. The pause is randomised so that
it never falls into step with anything else. The job may spend the pause on its own work
that needs no lock (reading and checking rows): ``ready()`` says whether it is over.

SQLite copies the write-ahead log back into the database file (a checkpoint, with an fsync)
whenever a commit finds the log over 1,000 pages, inside that commit's call. A long job turns
this off for its own connection while it runs (``active()``) and checkpoints in its pauses
instead (at most once a second), where the work overlaps the pause and does not count as
holding the lock (a passive checkpoint blocks no reader or writer); other writers then find
little left to copy.

On PostgreSQL writers do not block one another: no pause, and larger transactions.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

SQLITE_HOLD = 0.050
SQLITE_GAP = (0.006, 0.012)
# Seconds between the checkpoints a long job runs in its pauses: each costs two fsyncs, and a
# page written by many transactions in between is copied once.
SQLITE_CHECKPOINT_EVERY = 1.0
POSTGRES_HOLD = 0.5


@dataclass
class WritePacer:
    """How many rows the next write transaction should take, and when it may start."""

    rows: int = 200
    low: int = 10
    high: int = 20_000
    hold: float | None = None
    gap: tuple[float, float] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    transactions: int = 0
    longest: float = 0.0
    _next_start: float = 0.0
    _manual_checkpoints: bool = False
    _checkpoint_due: bool = False
    _last_checkpoint: float = 0.0

    def __post_init__(self) -> None:
        sqlite = connection.vendor == "sqlite"
        if self.hold is None:
            self.hold = SQLITE_HOLD if sqlite else POSTGRES_HOLD
        if self.gap is None:
            self.gap = SQLITE_GAP if sqlite else (0.0, 0.0)

    def ready(self) -> bool:
        """True once the pause after the last transaction is over."""
        return self.clock() >= self._next_start

    def pause(self) -> None:
        """Wait out what is left of the pause after the last transaction."""
        self.checkpoint()
        left = self._next_start - self.clock()
        if left > 0:
            self.sleep(left)

    def checkpoint(self, *, now: bool = False) -> None:
        """Copy the log back into the database file if transactions since the last
        checkpoint left it to do and it is time (SQLite, inside ``active()`` only)."""
        if not self._checkpoint_due:
            return
        if not now and self.clock() - self._last_checkpoint < SQLITE_CHECKPOINT_EVERY:
            return
        self._checkpoint_due = False
        self._last_checkpoint = self.clock()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextlib.contextmanager
    def active(self) -> Iterator[WritePacer]:
        """While the job runs, its commits leave checkpoints to its pauses (SQLite)."""
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            yield self
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            previous = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        self._manual_checkpoints = True
        try:
            yield self
        finally:
            self._manual_checkpoints = False
            self.checkpoint(now=True)
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")

    def record(self, rows: int, seconds: float) -> None:
        """Learn from a transaction of ``rows`` rows that held the lock for ``seconds``."""
        assert self.hold is not None and self.gap is not None
        self.transactions += 1
        self.longest = max(self.longest, seconds)
        if rows > 0:
            ideal = rows * self.hold / max(seconds, 1e-4)
            if seconds > self.hold:
                size = ideal  # too slow: shrink at once
            else:
                size = min(self.rows + (ideal - self.rows) / 2, self.rows * 2)
            self.rows = int(min(self.high, max(self.low, size)))
        low, high = self.gap
        if high:
            self._next_start = self.clock() + self.rng.uniform(low, high)
        else:
            self._next_start = self.clock()
        self._checkpoint_due = self._manual_checkpoints

    @contextlib.contextmanager
    def transaction(self, rows: int) -> Iterator[None]:
        """One paced write transaction of ``rows`` rows (after the pause; timed from the
        moment the lock is held until the commit is done)."""
        self.pause()
        with transaction.atomic():
            started = self.clock()
            yield
        self.record(rows, self.clock() - started)

    def take(self, items: list) -> list:
        """Remove and return the first ``rows`` items of ``items`` (one transaction's worth)."""
        chunk = items[: self.rows]
        del items[: self.rows]
        return chunk
