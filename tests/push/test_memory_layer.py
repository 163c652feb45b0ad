"""The embedded set-up's in-memory layer sweeps expired entries once a second, not on every
receive and group send, and still delivers and expires as Channels' layer does."""

from __future__ import annotations

import asyncio

from channels.layers import InMemoryChannelLayer, get_channel_layer

from hotline.push.memory_layer import SweptInMemoryChannelLayer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_sweeps(monkeypatch) -> list[int]:
    sweeps: list[int] = []
    original = InMemoryChannelLayer._clean_expired

    def counted(self):
        sweeps.append(1)
        original(self)

    monkeypatch.setattr(InMemoryChannelLayer, "_clean_expired", counted)
    return sweeps


def test_the_embedded_set_up_uses_the_swept_layer():
    assert isinstance(get_channel_layer(), SweptInMemoryChannelLayer)


def test_a_push_to_many_desks_sweeps_once_per_interval(monkeypatch):
    sweeps = counting_sweeps(monkeypatch)
    clock = Clock()
    layer = SweptInMemoryChannelLayer(clock=clock)

    async def scenario() -> list[dict]:
        desks = [await layer.new_channel() for _ in range(50)]
        for desk in desks:
            await layer.group_add("queue.figures", desk)
        await layer.group_send("queue.figures", {"type": "push", "n": 1})
        got = [await layer.receive(desk) for desk in desks]
        clock.now += 1.5
        await layer.group_send("queue.figures", {"type": "push", "n": 2})
        got += [await layer.receive(desk) for desk in desks]
        return got

    got = asyncio.run(scenario())
    assert [m["n"] for m in got] == [1] * 50 + [2] * 50
    # Two group sends and a hundred receives: one sweep per second of the clock.
    assert len(sweeps) == 2


def test_expired_messages_and_their_channels_still_go(monkeypatch):
    clock = Clock()
    # expiry=-1: every message has expired as soon as it is queued.
    layer = SweptInMemoryChannelLayer(clock=clock, expiry=-1)

    async def scenario() -> tuple[bool, bool]:
        gone = await layer.new_channel()
        await layer.group_add("agent.7", gone)
        await layer.send(gone, {"type": "push"})
        await layer.group_send("agent.7", {"type": "push"})  # first sweep: removes it
        swept = gone not in layer.channels and gone not in layer.groups.get("agent.7", {})
        stays = await layer.new_channel()
        await layer.group_add("agent.7", stays)
        await layer.send(stays, {"type": "push"})
        await layer.group_send("agent.7", {"type": "push"})  # within the second: no sweep
        kept_until_next_sweep = stays in layer.channels
        clock.now += 1.0
        await layer.group_send("agent.7", {"type": "push"})
        return swept, kept_until_next_sweep and stays not in layer.channels

    swept, swept_later = asyncio.run(scenario())
    assert swept
    assert swept_later
