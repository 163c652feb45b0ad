"""A switchboard on a manual clock and the simulated switch, driven step by step."""

from __future__ import annotations

import asyncio
from typing import Any

from hotline.accounts.models import Role
from hotline.routing import stores
from hotline.routing.boundary import SyncBoundary
from hotline.routing.models import AgentSkill, IvrFlow, IvrFlowVersion, Queue, Skill
from hotline.routing.switchboard.core import Switchboard
from hotline.routing.switchboard.watchdog import reconcile
from hotline.telephony.clock import ManualClock
from hotline.telephony.simulated import CallerScript, SimulatedSwitch
from tests import factories

MENU = {
    "id": "main",
    "type": "menu",
    "prompt": "1 TV, 2 internet, 9 callback",
    "options": {
        "1": {"id": "to-tv", "type": "queue", "queue": "tv"},
        "2": {"id": "to-net", "type": "queue", "queue": "net", "priority": 5},
        "9": {"id": "cb", "type": "callback", "queue": "tv"},
    },
}


def configure(
    *, strategy: str = "longest_idle", agents: int = 2, flow: dict | None = MENU, **queue: Any
) -> list:
    tv, net = (
        Skill.objects.create(code="tv", label_zh="电视", label_en="TV"),
        Skill.objects.create(code="net", label_zh="宽带", label_en="Internet"),
    )
    Queue.objects.create(code="net", label_zh="宽带", label_en="Internet", skill=net)
    Queue.objects.create(
        code="tv", label_zh="电视", label_en="TV", skill=tv, strategy=strategy, **queue
    )
    people = []
    for _ in range(agents):
        person = factories.user(Role.AGENT)
        AgentSkill.objects.create(agent=person, skill=tv, proficiency=3)
        people.append(person)
    if flow is not None:
        ivr = IvrFlow.objects.create(code="main", name="Main")
        IvrFlowVersion.objects.create(
            flow=ivr, version=1, tree=flow, published_at="2026-01-01T00:00:00Z"
        )
    return people


def known_caller(region, number: str = "13912345678"):
    # The factory creates the customer through the service, with its phone row.
    return factories.customer(region, phone=number, vip_level=0)


class Harness:
    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock()
        self.switch = SimulatedSwitch(self.clock)
        self.boundary = SyncBoundary(workers=1)
        self.sb = Switchboard(
            switch=self.switch, stores=stores, boundary=self.boundary, clock=self.clock
        )

    async def drain(self) -> None:
        """Handle every switch event, the work they start in the background and the writes
        they queue, until nothing is left."""
        queue = self.switch.events()
        while True:
            while not queue.empty():
                await self.sb.handle(queue.get_nowait())
            await self.sb.settle()
            if queue.empty():
                return

    async def start(self) -> None:
        await self.sb.load()
        await self.drain()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.switch.tick()
        await self.drain()
        await self.sb.tick()
        await self.drain()

    async def cmd(self, **command: Any) -> dict:
        result = await self.sb.command(command)
        await self.drain()
        return result

    async def ready(self, *agents) -> None:
        for agent in agents:
            assert (await self.cmd(op="login", agent=agent.pk))["ok"]
            assert (await self.cmd(op="ready", agent=agent.pk))["ok"]

    async def call(self, number: str, keys: str = "1", **script: Any) -> str:
        channel = self.switch.place_call(number, "96655", CallerScript(keys=keys, **script))
        await self.drain()
        return channel

    async def reconcile(self) -> dict:
        fixed = await reconcile(self.sb)
        await self.drain()
        return fixed

    def state(self, agent) -> str:
        return self.sb.router.agents[agent.pk].state

    def close(self) -> None:
        self.boundary.close()


def run(coro) -> Any:
    return asyncio.run(coro)
