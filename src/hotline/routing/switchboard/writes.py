"""The switchboard's write-through: in order, one transaction per event or command or fewer.

Handling one switch event or desktop command changes a call and an agent several times (a
key pressed: the IVR step, the call queued, an agent reserved and the ringing step; an
answer: the agent talking and the call answered). Inside ``together`` the writes are
collected, in order, and handed at its end to the switchboard's one ``Writer``, which
commits them in the order they were handed over, each in a savepoint of its own (one that
fails is logged, the others stand; ``stores.write_together``). A write marked ``first`` (the
screen pop's push) does not wait for any transaction: it runs at once on a database thread.

The switchboard's lock is not held while the rows are written. Before, every event and
command kept the lock for its transaction's round trips, so the switchboard handled one
thing per commit (about 50 commands a second on PostgreSQL on two cores, and the desks'
commands queued for seconds behind the calls' writes). Now the next event is handled while
the writer commits the last; writes that queue up meanwhile go in one transaction
(``MAX_GROUP`` writes at most, short enough for SQLite's write lock). A command's answer
still waits for its own rows to be committed (``Batch.committed``), so what a desk is told
is on disk; an event's handler does not wait (``Switchboard.handle(wait=False)``), and
``Switchboard.settle`` waits for everything queued (tests, a clean stop).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)

MAX_TOGETHER = 20  # writes of one event handed over at once at most (a tick may change many)
MAX_GROUP = 60  # writes in one transaction at most (on SQLite a few milliseconds of lock)
MAX_BACKLOG = 4  # batches waiting for the writer before an event waits for its own
RETRIES = 3  # a transaction that failed as a whole (the database busy, a dropped connection)
RETRY_S = 0.05

Write = tuple[Callable[..., Any], dict[str, Any]]
_collected: ContextVar[Batch | None] = ContextVar("switchboard_writes", default=None)


class Batch:
    """The writes collected by one event or command."""

    def __init__(self) -> None:
        self.first: list[Write] = []
        self.writes: list[Write] = []
        self.handed: list[asyncio.Future] = []

    async def committed(self) -> None:
        """Wait until every write of this batch is committed (raises if its transaction
        failed)."""
        for future in self.handed:
            await asyncio.shield(future)


class Writer:
    """One task that commits the handed-over writes in order, several batches at a time."""

    def __init__(self, sb: Any) -> None:
        self.sb = sb
        self.queue: collections.deque[tuple[list[Write], asyncio.Future]] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._idle: asyncio.Event | None = None

    def hand(self, writes: list[Write]) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        # Nobody may wait for an event's writes: a failure is logged here, not lost silently.
        future.add_done_callback(_retrieved)
        self.queue.append((writes, future))
        self._start()
        assert self._wake is not None and self._idle is not None
        self._idle.clear()
        self._wake.set()
        return future

    @property
    def backlog(self) -> int:
        return len(self.queue)

    async def drain(self) -> None:
        """Wait until every write handed over so far is committed (or has failed)."""
        if self._idle is not None and (self.queue or not self._idle.is_set()):
            await self._idle.wait()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._wake, self._idle = asyncio.Event(), asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="switchboard-writer"
            )

    async def stop(self) -> None:
        await self.drain()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        assert self._wake is not None and self._idle is not None
        while True:
            if not self.queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            group: list[tuple[list[Write], asyncio.Future]] = []
            size = 0
            while self.queue and (not group or size + len(self.queue[0][0]) <= MAX_GROUP):
                writes, future = self.queue.popleft()
                group.append((writes, future))
                size += len(writes)
            flat = [write for writes, _ in group for write in writes]
            error: BaseException | None = None
            for attempt in range(RETRIES):
                try:
                    await self.sb.db.run(self.sb.stores.write_together, first=[], writes=flat)
                    error = None
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as failed:  # nothing of the group was committed: try again
                    error = failed
                    await asyncio.sleep(RETRY_S * (attempt + 1))
            if error is not None:
                logger.error(
                    "switchboard: %d writes could not be committed",
                    len(flat),
                    exc_info=(type(error), error, error.__traceback__),
                )
            for _, future in group:
                if not future.done():
                    if error is None:
                        future.set_result(None)
                    else:
                        future.set_exception(error)


def _retrieved(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


async def write(sb: Any, fn: Callable[..., Any], /, *, first: bool = False, **kwargs: Any) -> None:
    """Write ``fn(**kwargs)`` with the others of this event; outside ``together``, hand it
    over on its own and wait for its commit. ``first``: at once, before any transaction (a
    push that must not wait for one)."""
    batch = _collected.get()
    if batch is None:
        if first:
            await sb.db.ask(sb.stores.write_together, first=[(fn, kwargs)], writes=[])
        else:
            await sb.writer.hand([(fn, kwargs)])
        return
    batch.first.append((fn, kwargs)) if first else batch.writes.append((fn, kwargs))
    if len(batch.writes) + len(batch.first) >= MAX_TOGETHER:
        _hand_over(sb, batch)


@contextlib.asynccontextmanager
async def together(sb: Any) -> AsyncIterator[Batch]:
    """Collect the writes of the block and hand them to the writer at its end (call it under
    the lock, so that batches are handed over in the order of the changes)."""
    batch = Batch()
    token = _collected.set(batch)
    try:
        yield batch
    finally:
        _collected.reset(token)
        _hand_over(sb, batch)
        if sb.writer.backlog > MAX_BACKLOG and batch.handed:
            # The database is far behind: slow the switchboard down rather than queue on.
            with contextlib.suppress(Exception):
                await batch.committed()


def _hand_over(sb: Any, batch: Batch) -> None:
    first, writes = list(batch.first), list(batch.writes)
    batch.first.clear()
    batch.writes.clear()
    if first:  # on threads of their own: never behind the writer's transaction
        sb._spawn(sb.db.ask(sb.stores.write_together, first=first, writes=[]))
    if writes:
        batch.handed.append(sb.writer.hand(writes))
