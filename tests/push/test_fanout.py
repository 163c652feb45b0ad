"""Broadcast topics reach every socket of a process through one channel-layer member."""

from __future__ import annotations

import asyncio

from channels.layers import InMemoryChannelLayer

from hotline.push.fanout import ProcessFanout
from hotline.push.send import Push, layer_message


class FakeSocket:
    def __init__(self) -> None:
        self.received: list[dict] = []

    async def push_message(self, message: dict) -> None:
        self.received.append(message)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_one_layer_message_reaches_every_socket_of_the_topic_in_the_process():
    async def scenario():
        layer = InMemoryChannelLayer()
        fanout = ProcessFanout(layer)
        sockets = [FakeSocket() for _ in range(3)]
        for socket in sockets:
            await fanout.join("switchboard.queues", socket)
        members = list(layer.groups["switchboard.queues"])
        message = layer_message(Push("switchboard.queues", "queue.figures", {"queues": {}}))
        await layer.group_send("switchboard.queues", message)
        await _settle()
        await fanout.leave("switchboard.queues", sockets[0])
        await layer.group_send("switchboard.queues", message)
        await _settle()
        for socket in sockets[1:]:
            await fanout.leave("switchboard.queues", socket)
        groups_left = dict(layer.groups)
        fanout._listener.cancel()
        return members, sockets, groups_left

    members, sockets, groups_left = asyncio.run(scenario())
    assert len(members) == 1  # the process, not each socket
    assert [len(s.received) for s in sockets] == [1, 2, 2]  # the first left before the second
    assert sockets[1].received[0]["event"] == "queue.figures"
    assert "switchboard.queues" not in groups_left  # the last socket gone: the process leaves


def test_a_broadcast_to_many_sockets_lets_other_pushes_through_meanwhile():
    """The queue figures go to every desk of the process; a screen pop arriving meanwhile
    must not wait until the last desk has its figures."""

    async def scenario() -> int:
        layer = InMemoryChannelLayer()
        fanout = ProcessFanout(layer)
        sockets = [FakeSocket() for _ in range(500)]
        for socket in sockets:
            await fanout.join("switchboard.queues", socket)
        message = layer_message(Push("switchboard.queues", "queue.figures", {"queues": {}}))
        delivering = asyncio.create_task(fanout._deliver(message))
        await asyncio.sleep(0)  # the broadcast starts
        figures_when_popped = sum(len(s.received) for s in sockets)  # a pop's turn
        await delivering
        fanout._listener.cancel()
        return figures_when_popped

    assert asyncio.run(scenario()) < 500
