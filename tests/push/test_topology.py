"""Pushes reach browsers in both topologies: a real web server, a real task worker, a real
WebSocket client.

- embedded (no Redis): one web process with the in-memory channel layer; the worker's push
  travels through the database relay into it;
- production: two web processes and a worker sharing the Redis channel layer and cache;
  with a push process (``hotline push``) holding the sockets, as nginx routes ``/ws/``.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
import websockets

from tests.live import (
    free_port,
    live_database,
    make_live_env,
    redis_available,
    run_async,
    wait_for,
)

pytestmark = pytest.mark.live

_SESSION = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from hotline.accounts.models import Region, Role, User
from hotline.customers.services import customer_note_add  # noqa: F401 (app loads)
user = User.objects.create(username="ws_{name}", role=Role.objects.get(code="{role}"))
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "hotline.accounts.backends.RoleBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(user.pk, store.session_key)
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    yield from live_database(tmp_path_factory.mktemp("livedb"))


def _production_env(tmp_path, database):
    """Processes sharing the local Redis as cache and channel layer (a prefix of their own)."""
    return make_live_env(
        tmp_path,
        database.url,
        HOTLINE_REDIS_URL="redis://127.0.0.1:6379/14",
        HOTLINE_CHANNEL_PREFIX=f"t{uuid.uuid4().hex[:8]}",
    )


def _session(live, name: str, role: str = "agent") -> tuple[int, str]:
    user_id, key = live.python(_SESSION.format(name=name, role=role)).split()
    return int(user_id), key


def _serve(live, workers: int = 1) -> int:
    port = free_port()
    live.start("web", "--port", str(port), "--workers", str(workers))
    wait_for(lambda: _answers(port), timeout=60, what="the web server")
    return port


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def _receive(port: int, session: str, send_after_connect, *, timeout: float = 20):
    """Connect as the session's user, run ``send_after_connect``, return the first push."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/push/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={session}"},
    ) as socket:
        await socket.send(json.dumps({"subscribe": []}))
        reply = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        assert reply["type"] == "subscribed"
        await asyncio.to_thread(send_after_connect)
        return json.loads(await asyncio.wait_for(socket.recv(), timeout))


def _enqueue_push(live, group: str, n: int) -> None:
    live.python(
        "from tests.push.worker_tasks import push_from_worker\n"
        f"push_from_worker.enqueue(group={group!r}, n={n})"
    )


def test_embedded_a_push_from_the_worker_reaches_a_websocket_in_the_web_process(database, tmp_path):
    live = make_live_env(tmp_path, database.url)
    try:
        user_id, session = _session(live, "embedded")
        port = _serve(live)
        live.start("worker", "--interval", "0.1")
        message = run_async(
            _receive(port, session, lambda: _enqueue_push(live, f"user.{user_id}", 7))
        )
        assert message == {"type": "test.ping", "topic": f"user.{user_id}", "data": {"n": 7}}
    finally:
        live.stop_all()


@pytest.mark.skipif(not redis_available(), reason="needs the local Redis server")
def test_production_two_web_processes_and_a_worker_share_the_redis_layer(database, tmp_path):
    live = _production_env(tmp_path, database)
    try:
        user_id, session = _session(live, "redis")
        port = _serve(live, workers=2)
        live.start("worker", "--interval", "0.1")
        for n in (1, 2, 3):  # several connections: they land on either web process
            message = run_async(
                _receive(port, session, lambda n=n: _enqueue_push(live, f"user.{user_id}", n))
            )
            assert message["type"] == "test.ping"
            assert message["data"] == {"n": n}
    finally:
        live.stop_all()


@pytest.mark.skipif(not redis_available(), reason="needs the local Redis server")
def test_production_a_push_process_holds_the_sockets_and_serves_nothing_else(database, tmp_path):
    live = _production_env(tmp_path, database)
    try:
        user_id, session = _session(live, "pushproc")
        push_port = free_port()
        live.start("push", "--port", str(push_port))
        wait_for(lambda: _status(push_port, "/login/") == 404, timeout=60, what="the push server")
        live.start("worker", "--interval", "0.1")
        message = run_async(
            _receive(push_port, session, lambda: _enqueue_push(live, f"user.{user_id}", 5))
        )
        assert message == {"type": "test.ping", "topic": f"user.{user_id}", "data": {"n": 5}}
        # No pages here: a misrouted request gets a plain 404, not the application.
        response = httpx.get(f"http://127.0.0.1:{push_port}/admin/", timeout=5)
        assert response.status_code == 404
        assert "WebSockets" in response.text
    finally:
        live.stop_all()


def test_the_push_process_refuses_to_start_without_redis(database, tmp_path):
    live = make_live_env(tmp_path, database.url)
    try:
        process = live.start("push", "--port", str(free_port()))
        assert process.wait(timeout=60) == 2
        assert "HOTLINE_REDIS_URL" in live.log(process)
    finally:
        live.stop_all()


def _status(port: int, path: str) -> int:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code
    except httpx.HTTPError:
        return 0


def test_a_socket_closes_when_an_admin_takes_the_users_access_away(database, tmp_path):
    live = make_live_env(tmp_path, database.url)
    try:
        user_id, session = _session(live, "revoked", role="agent")
        customer_id = live.python(
            "from hotline.accounts.models import Region, User\n"
            "from hotline.customers.models import Customer\n"
            "city = Region.objects.create(code='zz', name='City', level='city')\n"
            f"User.objects.get(pk={user_id}).regions.add(city)\n"
            "c = Customer.objects.create(name='张三', region=city)\n"
            "print(c.pk)"
        )
        port = _serve(live)

        async def scenario() -> tuple[dict, int | None]:
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/push/",
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": f"sessionid={session}"},
            ) as socket:
                await socket.send(json.dumps({"subscribe": [f"customer.{customer_id}"]}))
                reply = json.loads(await asyncio.wait_for(socket.recv(), 20))
                # The admin removes the region from the user in another process.
                await asyncio.to_thread(
                    live.python,
                    "from hotline.accounts.models import User\n"
                    f"User.objects.get(pk={user_id}).regions.clear()",
                )
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(socket.recv(), 20)
                return reply, socket.close_code

        reply, code = run_async(scenario())
        assert reply == {"type": "subscribed", "topics": [f"customer.{customer_id}"], "refused": []}
        assert code == 4403
    finally:
        live.stop_all()


def test_a_socket_refuses_topics_outside_the_users_scope(database, tmp_path):
    live = make_live_env(tmp_path, database.url)
    try:
        _user_id, session = _session(live, "scoped", role="agent")
        other = live.python(
            "from hotline.accounts.models import Region\n"
            "from hotline.customers.models import Customer\n"
            "r = Region.objects.create(code='yy', name='Elsewhere', level='city')\n"
            "print(Customer.objects.create(name='李四', region=r).pk)"
        )
        port = _serve(live)

        async def scenario() -> dict:
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/push/",
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": f"sessionid={session}"},
            ) as socket:
                await socket.send(json.dumps({"subscribe": [f"customer.{other}", "user.999"]}))
                return json.loads(await asyncio.wait_for(socket.recv(), 20))

        reply = run_async(scenario())
        assert reply["topics"] == []
        assert reply["refused"] == [f"customer.{other}", "user.999"]
    finally:
        live.stop_all()


async def _crowd(port: int, session: str, sockets: int, send_after_connect) -> list[dict]:
    """``sockets`` pages of one user connect and subscribe at once, then all get one push
    and all close at once; returns what each received."""

    async def page(ready: asyncio.Event) -> dict:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/push/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=60,
        ) as socket:
            await socket.send(json.dumps({"subscribe": ["queues"]}))
            reply = json.loads(await asyncio.wait_for(socket.recv(), 60))
            assert reply["type"] == "subscribed"
            subscribed.append(1)
            if len(subscribed) == sockets:
                everyone.set()
            await ready.wait()
            return json.loads(await asyncio.wait_for(socket.recv(), 60))

    subscribed: list[int] = []
    everyone = asyncio.Event()
    ready = asyncio.Event()
    pages = [asyncio.ensure_future(page(ready)) for _ in range(sockets)]
    await asyncio.wait_for(everyone.wait(), 120)
    ready.set()
    await asyncio.to_thread(send_after_connect)
    return await asyncio.gather(*pages)


@pytest.mark.skipif(not redis_available(), reason="needs the local Redis server")
def test_a_burst_of_pages_connecting_and_closing_at_once_is_served(database, tmp_path):
    # More sockets at once than the Redis pool has connections (redis-py 8: 100): the
    # joins and leaves wait their turn instead of failing.
    live = _production_env(tmp_path, database)
    try:
        user_id, session = _session(live, "crowd", role="agent")
        push_port = free_port()
        push = live.start("push", "--port", str(push_port))
        wait_for(lambda: _status(push_port, "/login/") == 404, timeout=60, what="the push server")
        live.start("worker", "--interval", "0.1")
        for n in (8, 9):  # the second crowd connects while the first one's leaves run
            received = run_async(
                _crowd(
                    push_port, session, 250, lambda n=n: _enqueue_push(live, f"user.{user_id}", n)
                )
            )
            assert [m["data"] for m in received] == [{"n": n}] * 250
        log = live.log(push)
        assert "Too many connections" not in log and "Traceback" not in log
    finally:
        live.stop_all()
