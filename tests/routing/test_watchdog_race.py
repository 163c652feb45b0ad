"""The watchdog compares the switch's channels with the switchboard's calls as they are at
one moment: a call that arrives and rings an agent while the watchdog waits for the
switchboard's lock is not taken for a lost one."""

from __future__ import annotations

import asyncio

import pytest

from hotline.routing.switchboard.watchdog import reconcile
from hotline.telephony.simulated import CallerScript
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_call_offered_while_the_watchdog_waits_for_the_lock_keeps_ringing():
    (agent,) = configure(agents=1, flow={"id": "to-tv", "type": "queue", "queue": "tv"})

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        async with h.sb._lock:  # the switchboard is busy with an event
            watchdog = asyncio.create_task(reconcile(h.sb))
            for _ in range(5):
                await asyncio.sleep(0)  # the watchdog runs up to the lock
            h.switch.place_call("13800000009", "96655", CallerScript(talk=30))
            # ...and meanwhile the call arrives and is offered to the agent.
            await h.sb._dispatch(h.switch.events().get_nowait())
            assert h.state(agent) == "reserved"
        fixed = await watchdog
        await h.drain()
        state = h.state(agent)
        calls = len(h.sb.calls)
        h.close()
        return fixed, state, calls

    fixed, state, calls = run(scenario())
    assert fixed == {"zombie_calls": 0, "stuck_agents": 0, "lost_rings": 0, "orphan_channels": 0}
    assert (state, calls) == ("reserved", 1)
