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
_recorders: list[list[Push]] = []
_lock = threading.Lock()


def set_host_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the web process's lifespan: this process hosts the in-memory layer."""
    global _host_loop
    _host_loop = loop


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
    push = Push(group=group, event=event, data=dict(data or {}))
    for recorder in _recorders:
        recorder.append(push)
    try:
        if shared_layer():
            async_to_sync(get_channel_layer().group_send)(group, layer_message(push))
        elif _host_loop is not None:
            _send_local(push)
        else:
            from hotline.push.models import PushMessage

            PushMessage.objects.create(group=group, event=event, data=push.data)
    except Exception:
        logger.exception("push %s to %s failed", event, group)


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
