"""The switchboard service: a command listener that outlives a broken channel layer; queue
figures paced by the number of desks."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer

from hotline.routing.commands import GROUP, serve_commands


class FlakyLayer(InMemoryChannelLayer):
    """An in-memory layer whose first receive fails as a dropped Redis connection would."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def receive(self, channel: str) -> dict[str, Any]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Connection closed by server.")
        return await super().receive(channel)


class Board:
    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        if command["op"] == "boom":
            raise RuntimeError("bug")
        return {"ok": True, "op": command["op"]}


class Service:
    switchboard = Board()


async def ask(layer: InMemoryChannelLayer, op: str) -> dict[str, Any]:
    reply = await layer.new_channel()
    await layer.group_send(
        GROUP, {"type": "switchboard.command", "command": {"op": op}, "reply_to": reply}
    )
    message = await asyncio.wait_for(layer.receive(reply), 5)
    return message["result"]


def test_commands_are_answered_after_the_layer_failed_and_after_a_failing_command():
    async def scenario() -> list[dict[str, Any]]:
        layer = FlakyLayer()
        listener = asyncio.create_task(serve_commands(Service(), layer=layer, retry_s=0))
        try:
            while layer.failures or not layer.groups.get(GROUP):
                await asyncio.sleep(0)  # let the listener fail once and join again
            return [await ask(layer, "boom"), await ask(layer, "figures")]
        finally:
            listener.cancel()

    boom, figures = asyncio.run(scenario())
    assert boom == {"ok": False, "error": "internal"}
    assert figures == {"ok": True, "op": "figures"}


def test_the_group_membership_is_renewed():
    async def scenario() -> int:
        layer = InMemoryChannelLayer(group_expiry=1)
        adds = 0
        original = layer.group_add

        async def counting_add(group: str, channel: str) -> None:
            nonlocal adds
            adds += 1
            await original(group, channel)

        layer.group_add = counting_add  # type: ignore[method-assign]
        listener = asyncio.create_task(serve_commands(Service(), layer=layer, refresh_s=0))
        try:
            while adds < 3:
                await asyncio.sleep(0)
        finally:
            listener.cancel()
        return adds

    assert asyncio.run(scenario()) >= 3


def test_queue_figures_go_out_less_often_as_more_desks_log_in():
    from hotline.routing.bootstrap import figures_interval

    assert figures_interval(50) == 2.0
    assert figures_interval(400) == 2.0
    assert figures_interval(1000) == 5.0
    assert figures_interval(5000) == 10.0
