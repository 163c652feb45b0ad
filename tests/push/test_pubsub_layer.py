"""The production channel layer, Redis pub/sub (decision 0024), with what relies on it: the
per-process fan-out renews its groups without losing its channel, and a desk command's
one-off reply channel does not stay subscribed once answered. Against the local Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from hotline.push import fanout as fanout_module
from hotline.push.fanout import ProcessFanout
from hotline.push.send import Push, layer_message
from hotline.routing import commands
from tests.live import redis_available

REDIS_URL = "redis://127.0.0.1:6379/14"


pytestmark = pytest.mark.skipif(
    not redis_available(REDIS_URL), reason="needs Redis on 127.0.0.1:6379"
)


def _layer() -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(hosts=[REDIS_URL], prefix=f"t{uuid.uuid4().hex[:8]}")


class FakeSocket:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.got = asyncio.Event()

    async def push_message(self, message: dict) -> None:
        self.received.append(message)
        self.got.set()


def test_the_fan_out_renews_its_groups_and_keeps_receiving(monkeypatch):
    # Renewal at every turn: with the receive cancelled to renew, the pub/sub layer would
    # forget the fan-out's channel and every message published meanwhile would be lost.
    monkeypatch.setattr(fanout_module, "RENEW_EVERY_S", 0.0)

    async def scenario() -> list[int]:
        layer = _layer()
        fanout = ProcessFanout(layer)
        socket = FakeSocket()
        await fanout.join("switchboard.queues", socket)
        channel = fanout.channel
        try:
            for n in range(5):
                socket.got.clear()
                message = layer_message(Push("switchboard.queues", "queue.figures", {"n": n}))
                await layer.group_send("switchboard.queues", message)
                await asyncio.wait_for(socket.got.wait(), 5)
            assert fanout.channel == channel  # never started again
            return [m["data"]["n"] for m in socket.received]
        finally:
            fanout._listener.cancel()
            await layer.flush()

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]


def test_a_desk_commands_reply_channel_is_dropped_once_answered():
    class Switchboard:
        async def command(self, command: dict) -> dict:
            return {"ok": True, "echo": command["op"]}

    class Service:
        switchboard = Switchboard()

    async def scenario() -> tuple[list[dict], list[int]]:
        layer = _layer()
        listener = asyncio.create_task(commands.serve_commands(Service(), layer=layer))
        try:
            answers = []
            for op in ("figures", "snapshot"):
                for _ in range(50):  # until the listener has joined its group
                    try:
                        answers.append(await commands._remote({"op": op}, 0.2, layer=layer))
                        break
                    except TimeoutError:
                        continue
            local = layer._get_layer()
            listening = set().union(*local.groups.values())  # the switchboard's own channel
            replies = [name for name in local.channels if name not in listening]
            client = redis.Redis.from_url(REDIS_URL)
            subscribed = [n for _name, n in client.pubsub_numsub(*replies)] if replies else []
            return answers, subscribed
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await layer.flush()

    answers, subscribed = asyncio.run(scenario())
    assert answers == [{"ok": True, "echo": "figures"}, {"ok": True, "echo": "snapshot"}]
    assert subscribed == []  # no reply channel left in the process, none subscribed in Redis
