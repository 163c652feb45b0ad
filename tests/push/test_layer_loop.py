"""A process with its own loop and the shared layer (the standalone switchboard) sends the
pushes of its threads on that loop, not on a new loop (and connection) per push."""

from __future__ import annotations

import asyncio
import threading

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
        send.set_layer_loop(None)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()
    assert sent_on == [runner.ident, runner.ident]
    assert [first["event"], second["event"]] == ["call.offered", "call.updated"]  # in order
