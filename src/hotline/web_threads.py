"""Django's HTTP handler on a few fixed threads instead of one new thread per request.

Django's ASGI handler runs each request's synchronous code (middleware, views, the ORM) in
a thread of its own. Under load that means as many threads as requests in flight, all
sharing one interpreter lock: a request that holds the database's write lock waits for the
interpreter after every statement while the others compute, so the lock is held many times
longer than the work needs and everyone queues behind it (docs/decisions/0018).

Here a process has ``WEB_THREADS`` threads (settings: 2 on SQLite, 8 on PostgreSQL). Each
request goes to the thread with the fewest requests assigned, and all its synchronous code
runs there, as Django's own handler would run it on its private thread. A slow request (a
report, a BOSS call waiting on the network) occupies one thread; the others keep serving.

The middleware chain is built synchronous, as under WSGI, and entered once per request on
that thread. Built asynchronous (Django's ASGI default), a chain that mixes sync-only and
async-capable middleware crosses between the thread and the event loop three times per
request, about a tenth of a request's CPU.

WebSockets get the same treatment (``PooledSocketThreads``): Channels runs their synchronous
work (the session and user reads at connect, the topic checks at subscribe) on the one
thread a process has for code outside a request, so 2,000 desks reconnecting after a restart
were let in one at a time (19 s to the last one, which saw no pop until then). Each socket
now keeps one of a few fixed threads for its life.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class _FixedThreads:
    """``count`` one-thread executors; each piece of work goes to the least busy one."""

    def __init__(self, count: int, name: str) -> None:
        count = max(1, count)
        self.executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-{n}")
            for n in range(count)
        ]
        self.assigned = [0] * count

    @contextlib.asynccontextmanager
    async def thread(self) -> AsyncIterator[None]:
        """Within the block, synchronous work (``sync_to_async``, thread-sensitive) runs on
        the least busy of the threads."""
        slot = min(range(len(self.assigned)), key=self.assigned.__getitem__)
        self.assigned[slot] += 1
        try:
            async with ThreadSensitiveContext(executor=self.executors[slot]):
                yield
        finally:
            self.assigned[slot] -= 1


class PooledSocketThreads:
    """ASGI middleware: every WebSocket's synchronous work on one of ``threads`` fixed
    threads (wrap it around Channels' auth middleware, which reads the session there)."""

    def __init__(self, app: Any, threads: int = 4) -> None:
        self.app = app
        self._threads = _FixedThreads(threads, "socket")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        async with self._threads.thread():
            await self.app(scope, receive, send)


class PooledASGIHandler(ASGIHandler):
    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        count = int(threads if threads is not None else settings.WEB_THREADS)
        self._threads = _FixedThreads(count, "web")

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        async with self._threads.thread():
            await self.handle(scope, receive, send)
