"""Requests run on a process's few fixed threads, and a slow one does not hold up the rest."""

from __future__ import annotations

import asyncio

from django.test import override_settings

from hotline.web_threads import PooledASGIHandler
from tests import thread_urls


async def _get(app: PooledASGIHandler, path: str) -> str:
    sent: list[dict] = []
    bodies = [{"type": "http.request", "body": b"", "more_body": False}]
    never = asyncio.Event()

    async def receive() -> dict:
        if bodies:
            return bodies.pop()
        await never.wait()  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    assert status == 200, sent
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()


@override_settings(ROOT_URLCONF="tests.thread_urls")
def test_requests_share_the_process_threads() -> None:
    app = PooledASGIHandler(threads=2)

    async def scenario() -> list[str]:
        return list(await asyncio.gather(*(_get(app, "/probe/thread/") for _ in range(8))))

    names = asyncio.run(scenario())
    assert {name.rsplit("_", 1)[0] for name in names} <= {"web-0", "web-1"}
    assert len(set(names)) <= 2  # eight requests, two threads: no thread per request


@override_settings(ROOT_URLCONF="tests.thread_urls")
def test_a_slow_request_leaves_the_other_thread_serving() -> None:
    app = PooledASGIHandler(threads=2)
    thread_urls.release.clear()
    thread_urls.entered.clear()

    async def scenario() -> tuple[str, list[str]]:
        slow = asyncio.create_task(_get(app, "/probe/slow/"))
        await asyncio.to_thread(thread_urls.entered.wait, 10)
        quick = [await _get(app, "/probe/thread/") for _ in range(3)]  # while slow waits
        thread_urls.release.set()
        return await slow, quick

    slow_thread, quick_threads = asyncio.run(scenario())
    assert slow_thread not in quick_threads
    assert len(set(quick_threads)) == 1


async def _socket_opened(app: object, path: str) -> bool:
    """Connect a WebSocket to ``app`` (raw ASGI); whether it was accepted, then close it."""
    inbox: asyncio.Queue = asyncio.Queue()
    answers: asyncio.Queue = asyncio.Queue()
    await inbox.put({"type": "websocket.connect"})
    scope = {
        "type": "websocket",
        "path": path,
        "headers": [],
        "query_string": b"",
        "subprotocols": [],
    }
    running = asyncio.ensure_future(app(scope, inbox.get, answers.put))  # type: ignore[operator]
    answer = await asyncio.wait_for(answers.get(), timeout=15)
    await inbox.put({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(running, timeout=15)
    return answer["type"] == "websocket.accept"


def test_a_socket_waiting_on_its_thread_does_not_hold_up_the_next_socket() -> None:
    """Two sockets' synchronous work (Channels' ``database_sync_to_async``, as the session
    read at connect) on two threads: the first waits inside its thread until the second's
    has run, which on one shared thread would never happen."""
    import threading

    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncWebsocketConsumer

    from hotline.web_threads import PooledSocketThreads

    second_ran = threading.Event()
    threads: dict[str, str] = {}

    def first_work() -> bool:
        threads["first"] = threading.current_thread().name
        return second_ran.wait(timeout=10)

    def second_work() -> bool:
        threads["second"] = threading.current_thread().name
        second_ran.set()
        return True

    class Probe(AsyncWebsocketConsumer):
        async def connect(self) -> None:
            work = first_work if self.scope["path"] == "/first/" else second_work
            if await database_sync_to_async(work)():
                await self.accept()
            else:
                await self.close()

    app = PooledSocketThreads(Probe.as_asgi(), threads=2)

    async def scenario() -> list[bool]:
        first = asyncio.ensure_future(_socket_opened(app, "/first/"))
        await asyncio.sleep(0)  # the first socket takes its thread first
        second = asyncio.ensure_future(_socket_opened(app, "/second/"))
        return list(await asyncio.gather(first, second))

    assert asyncio.run(scenario()) == [True, True]
    assert {threads["first"].rsplit("_", 1)[0], threads["second"].rsplit("_", 1)[0]} == {
        "socket-0",
        "socket-1",
    }
