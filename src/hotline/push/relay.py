"""The embedded set-up's relay: pushes written to the database by other processes reach the
web process's in-memory channel layer.

A daemon thread polls ``PushMessage`` for rows newer than the last one it relayed (an index
range read, no write) every ``PUSH_RELAY_POLL_MS`` and hands them to the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connection

from hotline.accounts.acl_cache import ACL_EVENT, acl_bump_local
from hotline.push.send import Push, layer_message

logger = logging.getLogger(__name__)
BATCH = 500


class PushRelay:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, poll_seconds: float | None = None):
        self.loop = loop
        self.poll_seconds = (
            poll_seconds if poll_seconds is not None else settings.PUSH_RELAY_POLL_MS / 1000
        )
        self.last_id = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="push-relay", daemon=True)

    def start(self) -> None:
        from hotline.push.models import PushMessage

        # Only what is written from now on: a page that opens later reloads its state anyway.
        self.last_id = PushMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
        connection.close()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def relay_once(self) -> int:
        """Forward the rows written since the last call; return how many."""
        from hotline.push.models import PushMessage

        rows = list(
            PushMessage.objects.filter(id__gt=self.last_id)
            .order_by("id")
            .values_list("id", "group", "event", "data")[:BATCH]
        )
        layer = get_channel_layer()
        for pk, group, event, data in rows:
            if event == ACL_EVENT:
                acl_bump_local()  # this process's cache must not answer from before the change
            message = layer_message(Push(group=group, event=event, data=data))
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), self.loop)
            self.last_id = pk
        return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                close_old_connections()
                if self.relay_once() == BATCH:
                    continue
            except Exception:
                logger.exception("push relay poll failed")
            self._stop.wait(self.poll_seconds)
        connection.close()
