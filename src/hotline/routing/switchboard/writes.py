"""The switchboard's write-through, one transaction per event or command.

Handling one switch event or desktop command changes a call and an agent several times (a
key pressed: the IVR step, the call queued, an agent reserved and the ringing step; an
answer: the agent talking and the call answered). Each change used to be its own awaited
transaction, one after the other on the switchboard's two database threads, and at 20
calls a second those ~11 round trips a call were what held the switchboard back (on SQLite
each also waits its turn for the write lock). Inside ``together`` the writes are collected,
in order, and written at its end in one transaction (``stores.write_together``), still
under the switchboard's lock, so the rows keep the order of the changes; each write has a
savepoint of its own (one that fails is logged, the others stand). A write marked ``first``
(the screen pop's push) goes before that transaction. Outside ``together`` (start-up, the
timers) a write is awaited on its own, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

MAX_TOGETHER = 20  # writes in one transaction at most (a tick may change many calls)

_collected: ContextVar[dict[str, list] | None] = ContextVar("switchboard_writes", default=None)


async def write(sb: Any, fn: Callable[..., Any], /, *, first: bool = False, **kwargs: Any) -> None:
    """Write ``fn(**kwargs)`` with the others of this event, or at once outside ``together``.
    ``first``: before the transaction (a push that must not wait for it)."""
    batch = _collected.get()
    if batch is None:
        await sb.db.run(fn, **kwargs)
        return
    batch["first" if first else "writes"].append((fn, kwargs))
    if len(batch["writes"]) + len(batch["first"]) >= MAX_TOGETHER:
        await _flush(sb, batch)


@contextlib.asynccontextmanager
async def together(sb: Any) -> AsyncIterator[None]:
    """Collect the writes of the block and write them at its end (call it under the lock)."""
    batch: dict[str, list] = {"first": [], "writes": []}
    token = _collected.set(batch)
    try:
        yield
    finally:
        _collected.reset(token)
        await _flush(sb, batch)


async def _flush(sb: Any, batch: dict[str, list]) -> None:
    first, writes = list(batch["first"]), list(batch["writes"])
    batch["first"].clear()
    batch["writes"].clear()
    if first or writes:
        await sb.db.run(sb.stores.write_together, first=first, writes=writes)
