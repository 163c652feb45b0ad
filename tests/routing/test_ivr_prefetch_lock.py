"""A caller's IVR facts (the balance from billing, up to its time budget) are fetched
without the switchboard's lock: a slow billing answer for one caller holds up nobody else."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hotline.routing import stores
from hotline.routing.boundary import SyncBoundary
from tests import factories
from tests.routing.harness import Harness, configure, known_caller, run

pytestmark = pytest.mark.django_db(transaction=True)

FLOW = {
    "id": "main",
    "type": "menu",
    "prompt": "1 TV, 3 balance",
    "options": {
        "1": {"id": "to-tv", "type": "queue", "queue": "tv"},
        "3": {
            "id": "balance",
            "type": "balance",
            "next": {"id": "tv2", "type": "queue", "queue": "tv"},
        },
    },
}


class SlowBilling:
    """The real stores, with a billing system that answers known callers only when told."""

    def __init__(self) -> None:
        self.answer = threading.Event()

    def __getattr__(self, name: str):
        return getattr(stores, name)

    def ivr_prefetch(self, *, flow: dict, customer_id: int | None) -> dict:
        if customer_id is not None:
            self.answer.wait(10)
        return stores.ivr_prefetch(flow=flow, customer_id=customer_id)


def test_a_slow_billing_answer_for_one_caller_does_not_hold_up_another_call():
    (agent,) = configure(agents=1, flow=FLOW)
    known_caller(factories.region("city"), number="13912345678")
    billing = SlowBilling()

    async def scenario():
        h = Harness()
        h.sb.stores, h.sb.db = billing, SyncBoundary(workers=2)
        await h.start()
        await h.ready(agent)
        switch, queue = h.switch, h.switch.events()
        switch.place_call("13912345678", "96655")  # known: waits for billing
        switch.place_call("13800000000", "96655")  # unknown: nothing to ask billing
        while not queue.empty():
            await h.sb.handle(queue.get_nowait())

        def menus_started() -> list[str]:
            return sorted(c.caller for c in switch.live.values() if c.prompts)

        for _ in range(500):  # the unknown caller's menu starts meanwhile
            if menus_started():
                break
            await asyncio.sleep(0.01)
        started_while_waiting = menus_started()
        billing.answer.set()
        await h.sb.settle()
        started_after = menus_started()
        h.close()
        return started_while_waiting, started_after

    while_waiting, after = run(scenario())
    assert while_waiting == ["13800000000"]
    assert sorted(after) == ["13800000000", "13912345678"]
