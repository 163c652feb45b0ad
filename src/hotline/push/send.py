"""Send a push to every browser subscribed to a group, from any process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "push.message"  # handled by PushConsumer.push_message


@dataclass(frozen=True)
class Push:
    group: str
    event: str
    data: dict[str, Any]


_host_loop: asyncio.AbstractEventLoop | None = None
_layer_loop: asyncio.AbstractEventLoop | None = None
_outbox: LayerOutbox | None = None
SEND_TIMEOUT_S = 5.0
_recorders: list[list[Push]] = []
_lock = threading.Lock()


def set_host_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the web process's lifespan: this process hosts the in-memory layer."""
    global _host_loop
    _host_loop = loop


def set_layer_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """A process with its own long-lived loop and the shared layer (``hotline switchboard``):
    pushes from its threads are sent on that loop, through the layer's connections there,
    instead of on a new loop, with a new Redis connection, for each push. They go through
    one ordered outbox on that loop (``LayerOutbox``): the thread that pushes (the
    switchboard's writer, after its commit) does not wait for Redis. ``None`` stops taking
    pushes on the loop; ``layer_outbox_drain`` first sends what is queued."""
    global _layer_loop, _outbox
    if _outbox is not None:
        _outbox.finish()  # what it holds still goes out, then its task ends
    _layer_loop = loop
    _outbox = None
    if loop is None:
        return
    try:
        on_loop = asyncio.get_running_loop() is loop
    except RuntimeError:
        on_loop = False
    if on_loop:
        _outbox = LayerOutbox(loop)
    else:
        _outbox = asyncio.run_coroutine_threadsafe(_outbox_on_loop(loop), loop).result(
            SEND_TIMEOUT_S
        )


async def _outbox_on_loop(loop: asyncio.AbstractEventLoop) -> LayerOutbox:
    return LayerOutbox(loop)


async def layer_outbox_drain(timeout: float = SEND_TIMEOUT_S) -> None:
    """Send what the outbox holds, then take no more pushes on the loop (call it on the
    loop before it closes)."""
    outbox = _outbox
    set_layer_loop(None)
    if outbox is not None:
        await outbox.finished(timeout)


class LayerOutbox:
    """Pushes of every thread of the process, sent by tasks on the layer's loop in ``LANES``
    lanes: a group's pushes always take the same lane, so they leave in the order they were
    handed over, while other groups' pushes go meanwhile (each send is a few Redis round
    trips). Bounded: with Redis away, pushes beyond ``MAX_QUEUED`` per lane are dropped and
    logged (a push is a courtesy to open pages; the state is in the database)."""

    LANES = 8
    MAX_QUEUED = 5_000

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lanes: list[asyncio.Queue[Push | None]] = [asyncio.Queue() for _ in range(self.LANES)]
        self.dropped = 0
        self.tasks = [loop.create_task(self._pump(lane)) for lane in self.lanes]

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def put(self, batch: list[Push]) -> None:
        """Queue ``batch`` from any thread (never waits)."""
        if self._on_loop():
            self._put(batch)
        else:
            self.loop.call_soon_threadsafe(self._put, batch)

    def _put(self, batch: list[Push]) -> None:
        for push in batch:
            lane = self.lanes[zlib.crc32(push.group.encode()) % self.LANES]
            if lane.qsize() >= self.MAX_QUEUED:
                self.dropped += 1
                logger.error("push outbox full: push %s to %s dropped", push.event, push.group)
                continue
            lane.put_nowait(push)

    async def _pump(self, lane: asyncio.Queue[Push | None]) -> None:
        layer = get_channel_layer()
        while True:
            push = await lane.get()
            if push is None:
                return
            try:
                await asyncio.wait_for(
                    layer.group_send(push.group, layer_message(push)), SEND_TIMEOUT_S
                )
            except Exception:
                logger.exception("push %s to %s failed", push.event, push.group)

    def finish(self) -> None:
        """Take no more pushes; those queued still go (from any thread)."""
        if self.loop.is_closed():
            return

        def stop() -> None:
            for lane in self.lanes:
                lane.put_nowait(None)

        if self._on_loop():
            stop()
        else:
            self.loop.call_soon_threadsafe(stop)

    async def finished(self, timeout: float = SEND_TIMEOUT_S) -> None:
        _done, pending = await asyncio.wait(self.tasks, timeout=timeout)
        if pending:
            left = sum(lane.qsize() for lane in self.lanes)
            logger.error("push outbox: %d push(es) not sent at shutdown", left)
            for task in pending:
                task.cancel()


def shared_layer() -> bool:
    """Whether every process reaches the same channel layer (Redis)."""
    return settings.PUSH_TRANSPORT == "channel_layer"


def layer_message(push: Push) -> dict[str, Any]:
    return {"type": MESSAGE_TYPE, "group": push.group, "event": push.event, "data": push.data}


def _send_local(push: Push) -> None:
    loop = _host_loop
    assert loop is not None
    coroutine = get_channel_layer().group_send(push.group, layer_message(push))
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(coroutine)
    else:
        asyncio.run_coroutine_threadsafe(coroutine, loop)


def push_send(group: str, event: str, data: dict[str, Any] | None = None) -> None:
    """Push ``event`` with ``data`` to ``group``. Call it after commit (from a subscriber).

    Never raises: a push is a courtesy to open pages; the state is in the database.
    """
    push_send_many([(group, event, data)])


def push_send_many(pushes: list[tuple[str, str, dict[str, Any] | None]]) -> None:
    """Push several ``(group, event, data)`` at once: through the relay table that is one
    short write instead of one per push (an order's change goes to two boards and a user)."""
    batch = [Push(group=g, event=e, data=dict(d or {})) for g, e, d in pushes]
    if not batch:
        return
    for recorder in _recorders:
        recorder.extend(batch)
    try:
        if shared_layer():
            _send_shared(batch)
        elif _host_loop is not None:
            for push in batch:
                _send_local(push)
        else:
            from hotline.push.models import PushMessage

            PushMessage.objects.bulk_create(
                [PushMessage(group=p.group, event=p.event, data=p.data) for p in batch]
            )
    except Exception:
        logger.exception("push of %d message(s) failed", len(batch))


def _send_shared(batch: list[Push]) -> None:
    loop, outbox = _layer_loop, _outbox
    if loop is None or loop.is_closed() or outbox is None:
        async_to_sync(_send_all)(batch)
        return
    outbox.put(batch)


async def _send_all(batch: list[Push]) -> None:
    layer = get_channel_layer()
    for push in batch:
        if "t_send" in push.data:
            import time as _t

            push.data["t_loop"] = _t.time()
        await layer.group_send(push.group, layer_message(push))


@contextlib.contextmanager
def recorded_pushes() -> Iterator[list[Push]]:
    """Collect every push sent inside the block (for tests)."""
    pushes: list[Push] = []
    with _lock:
        _recorders.append(pushes)
    try:
        yield pushes
    finally:
        with _lock:
            _recorders.remove(pushes)
