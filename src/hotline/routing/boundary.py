"""The one bounded boundary between the switchboard's event loop and sync Django code.

Every database write and read of the switchboard goes through ``SyncBoundary.run``: a small
thread pool (two threads by default), so the loop never blocks on the database and the
number of concurrent connections the switchboard holds is fixed. What may wait on another
system (the IVR's questions to billing) goes through ``ask``, a pool of its own (four
threads), so a slow answer never queues the writes behind it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class SyncBoundary:
    def __init__(self, workers: int = 2, *, askers: int = 4) -> None:
        self.workers = workers
        self.askers = askers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="switchboard-db")
        self._ask = ThreadPoolExecutor(max_workers=askers, thread_name_prefix="switchboard-ask")

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def ask(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """A read that may wait on another system (billing's answer for the IVR), on threads
        of its own: a slow answer never holds up the switchboard's writes in ``run``."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ask, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        def close_connections() -> None:
            from django.db import connections

            connections.close_all()

        for pool, threads in ((self._pool, self.workers), (self._ask, self.askers)):
            for _ in range(threads):
                pool.submit(close_connections)
            pool.shutdown(wait=True)
