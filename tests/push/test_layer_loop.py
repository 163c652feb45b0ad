"""A process with its own loop and the shared layer (the standalone switchboard) sends the
pushes of its threads on that loop, not on a new loop (and connection) per push."""

from __future__ import annotations

import asyncio
import threading
import zlib

from channels.layers import InMemoryChannelLayer
from django.test import override_settings

from hotline.push import send


def test_pushes_from_a_thread_go_out_on_the_processs_loop(monkeypatch):
    layer = InMemoryChannelLayer()
    monkeypatch.setattr(send, "get_channel_layer", lambda: layer)
    sent_on: list[int] = []
    original = layer.group_send

    async def group_send(group, message):
        sent_on.append(threading.get_ident())
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        channel = asyncio.run_coroutine_threadsafe(layer.new_channel(), loop).result(5)
        asyncio.run_coroutine_threadsafe(layer.group_add("agent.7", channel), loop).result(5)
        send.set_layer_loop(loop)
        with override_settings(PUSH_TRANSPORT="channel_layer"):
            send.push_send("agent.7", "call.offered", {"call_id": "c1"})
            send.push_send("agent.7", "call.updated", {"call_id": "c1"})
        first = asyncio.run_coroutine_threadsafe(layer.receive(channel), loop).result(5)
        second = asyncio.run_coroutine_threadsafe(layer.receive(channel), loop).result(5)
    finally:
        asyncio.run_coroutine_threadsafe(send.layer_outbox_drain(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()
    assert sent_on == [runner.ident, runner.ident]
    assert [first["event"], second["event"]] == ["call.offered", "call.updated"]  # in order


def test_a_thread_hands_its_pushes_over_without_waiting_and_drain_sends_them(monkeypatch):
    """The switchboard's writer pushes after each commit: it must not wait while the layer
    talks to Redis. A group's pushes leave in the order they were handed over, another
    group's are not held up behind them, and those queued when the switchboard stops are
    sent before the loop closes."""
    layer = InMemoryChannelLayer()
    monkeypatch.setattr(send, "get_channel_layer", lambda: layer)
    gate = asyncio.Event()
    sent: list[tuple[str, int]] = []
    other_sent = threading.Event()

    async def slow_group_send(group, message):
        if group == "agent.7":
            await gate.wait()  # Redis answering late for this one
        sent.append((group, message["data"]["n"]))
        if group == "agent.8":
            other_sent.set()

    monkeypatch.setattr(layer, "group_send", slow_group_send)
    lanes = send.LayerOutbox.LANES
    other = next(
        f"agent.{n}"
        for n in range(8, 100)
        if zlib.crc32(f"agent.{n}".encode()) % lanes != zlib.crc32(b"agent.7") % lanes
    )
    assert other == "agent.8"
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        send.set_layer_loop(loop)
        with override_settings(PUSH_TRANSPORT="channel_layer"):
            for n in range(5):  # returns although these pushes cannot go out yet
                send.push_send("agent.7", "call.updated", {"n": n})
            send.push_send("agent.8", "call.updated", {"n": 0})
        assert other_sent.wait(5)
        assert sent == [("agent.8", 0)]
        loop.call_soon_threadsafe(gate.set)
        asyncio.run_coroutine_threadsafe(send.layer_outbox_drain(), loop).result(5)
    finally:
        send.set_layer_loop(None)  # a no-op after the drain
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()
    assert sent == [("agent.8", 0)] + [("agent.7", n) for n in range(5)]
