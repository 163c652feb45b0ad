"""The web process's lifespan: what runs beside the ASGI app for as long as it serves.

In the embedded set-up (no Redis) the web process hosts the in-memory channel layer, so it
starts the push relay that forwards pushes other processes wrote to the database. Later
parts that must live in the web process (the switchboard in the embedded set-up) start here:
``HOTLINE_SWITCHBOARD=embedded`` runs it on the web process's loop, so its screen pops go
straight to the in-memory layer and desktop commands reach it in-process.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async

logger = logging.getLogger(__name__)


class Lifespan:
    def __init__(self) -> None:
        self.relay: Any = None
        self.switchboard: Any = None
        self.switchboard_lock: Any = None

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        from django.conf import settings

        from hotline.push.relay import PushRelay
        from hotline.push.send import set_host_loop, shared_layer

        if not shared_layer():
            if settings.PUSH_LOCAL_SEND:
                set_host_loop(loop)
            self.relay = PushRelay(loop)
            self.relay.start()

    def _stop(self) -> None:
        from hotline.push.send import set_host_loop

        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        set_host_loop(None)

    def _build_switchboard(self) -> Any:
        from django.conf import settings

        if settings.SWITCHBOARD["MODE"] != "embedded":
            return None
        if not settings.PUSH_LOCAL_SEND:
            logger.warning("embedded switchboard needs one web process: not started")
            return None
        from hotline.routing.bootstrap import build_switchboard
        from hotline.routing.leadership import site_lock

        lock = site_lock()
        if not lock.try_acquire():
            logger.warning("another switchboard is active on this site: not started here")
            return None
        self.switchboard_lock = lock
        return build_switchboard()

    async def startup(self) -> None:
        loop = asyncio.get_running_loop()
        await sync_to_async(self._start, thread_sensitive=False)(loop)
        service = await sync_to_async(self._build_switchboard, thread_sensitive=False)()
        if service is not None:
            from hotline.routing import runtime

            await service.start()
            runtime.set_current(service)
            self.switchboard = service
        from hotline import heap

        heap.settle()

    async def shutdown(self) -> None:
        if self.switchboard is not None:
            from hotline.routing import runtime

            runtime.set_current(None)
            await self.switchboard.stop()
            self.switchboard = None
        if self.switchboard_lock is not None:
            await sync_to_async(self.switchboard_lock.release, thread_sensitive=False)()
            self.switchboard_lock = None
        await sync_to_async(self._stop, thread_sensitive=False)()


def with_lifespan(app: Any) -> Any:
    """Wrap ``app`` so that ASGI ``lifespan`` events start and stop the ``Lifespan`` parts."""
    lifespan = Lifespan()

    async def application(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await lifespan.startup()
                except Exception as error:
                    logger.exception("lifespan start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await lifespan.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    application.lifespan = lifespan  # type: ignore[attr-defined]
    return application
