"""The Redis cache keeps one connection pool per process: requests (each in an asyncio
context of its own under ASGI, so each with a cache object of its own) reuse its
connections instead of opening one each."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from hotline.redis_cache import SharedPoolRedisCache
from tests.live import redis_available

URL = "redis://127.0.0.1:6379/15"


pytestmark = pytest.mark.skipif(not redis_available(URL), reason="needs the local Redis server")

OPTIONS = {"pool_class": "redis.BlockingConnectionPool", "max_connections": 4, "timeout": 5}


def _connections_received() -> int:
    import redis

    return int(redis.Redis.from_url(URL).info("stats")["total_connections_received"])


def test_cache_objects_of_many_requests_share_one_pool_and_its_connections():
    async def request(n: int) -> str:
        # As Django does per context: a new cache object for each request.
        cache = SharedPoolRedisCache(URL, {"OPTIONS": dict(OPTIONS)})
        await sync_to_async(cache.set, thread_sensitive=False)(f"shared-pool-{n}", n, 30)
        value = await sync_to_async(cache.get, thread_sensitive=False)(f"shared-pool-{n}")
        pool = cache._cache._get_connection_pool(False)
        return f"{value}:{id(pool)}"

    async def many() -> list[str]:
        return list(await asyncio.gather(*(request(n) for n in range(40))))

    asyncio.run(many())  # the pool's connections opened
    before = _connections_received()
    answers = asyncio.run(many())
    opened = _connections_received() - before

    assert [a.split(":")[0] for a in answers] == [str(n) for n in range(40)]
    assert len({a.split(":")[1] for a in answers}) == 1
    assert opened <= 1  # this test's own INFO connection


def test_a_pool_at_its_size_makes_a_request_wait_instead_of_failing():
    cache = SharedPoolRedisCache(URL, {"OPTIONS": {**OPTIONS, "max_connections": 2}})

    async def many() -> list[int]:
        async def one(n: int) -> int:
            await sync_to_async(cache.set, thread_sensitive=False)(f"small-pool-{n}", n, 30)
            return await sync_to_async(cache.get, thread_sensitive=False)(f"small-pool-{n}")

        return list(await asyncio.gather(*(one(n) for n in range(30))))

    assert asyncio.run(many()) == list(range(30))
