"""Request threads kept for the next request instead of one new thread per request.

Django's ASGI handler runs each request's sync code (views, middleware, the ORM) in a thread
of its own: asgiref starts a thread for the request, and another to join it at the end, and
the event loop waits for each start. Under load (the desks' commands and wrap-ups, 80
requests a second) those starts stalled the loop that also carries the sockets' pushes and,
in the embedded set-up, the switchboard. Here each request still gets one thread to itself
for its whole life (what Django's thread-sensitive mode needs: one connection per request),
taken from a pool of idle ones and handed back when the request is over.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

KEEP_IDLE = 64  # threads kept for later requests, beyond which a finished one is let go


class RequestThreads:
    """ASGI middleware: each HTTP request runs its sync code on a pooled one-thread executor."""

    def __init__(self, app: Any, *, keep_idle: int = KEEP_IDLE) -> None:
        self.app = app
        self.keep_idle = keep_idle
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = self.idle.pop() if self.idle else self._new()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            if len(self.idle) < self.keep_idle:
                self.idle.append(executor)
            else:
                executor.shutdown(wait=False)

    @staticmethod
    def _new() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
