"""Send a push to every browser subscribed to a group, from any process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
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
    instead of on a new loop, with a new Redis connection, for each push."""
    global _layer_loop
    _layer_loop = loop


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
    loop = _layer_loop
    if loop is None or loop.is_closed():
        async_to_sync(_send_all)(batch)
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(_send_all(batch))
    else:  # waited for, so one thread's pushes keep their order
        asyncio.run_coroutine_threadsafe(_send_all(batch), loop).result(SEND_TIMEOUT_S)


async def _send_all(batch: list[Push]) -> None:
    layer = get_channel_layer()
    for push in batch:
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
