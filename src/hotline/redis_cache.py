"""Django's Redis cache with one connection pool per process instead of one per request.

Django keeps a cache object per asyncio context (``caches`` is an ``asgiref.Local`` that is
not thread-critical), and each new ``RedisCache`` object builds its own client with its own
connection pool. Under ASGI every request runs in a new context, so every request opened a
new TCP connection to Redis (connect, ``HELLO``, ``CLIENT SETINFO``) for its session and
permission reads, and dropped it: 47 new connections a second on the screen-pop bench, and
the round trips with them. Here the pools live in the process, shared by every cache object
with the same server and options; the pool blocks for a free connection (up to ``timeout``
seconds) instead of refusing one more than its size, as redis-py 8's default pool does.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_pools_lock = threading.Lock()


class SharedPoolClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        index = self._get_connection_pool_index(write)
        key = (self._servers[index], repr(sorted(self._pool_options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(
                        self._servers[index], **self._pool_options
                    )
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolClient
