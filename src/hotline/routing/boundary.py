"""The one bounded boundary between the switchboard's event loop and sync Django code.

Every database write and read of the switchboard goes through ``SyncBoundary.run``: a small
thread pool (two threads by default), so the loop never blocks on the database and the
number of concurrent connections the switchboard holds is fixed.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class SyncBoundary:
    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="switchboard-db")

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        def close_connections() -> None:
            from django.db import connections

            connections.close_all()

        for _ in range(self.workers):
            self._pool.submit(close_connections)
        self._pool.shutdown(wait=True)
