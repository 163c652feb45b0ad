"""The watchdog: reconciles the switch's channels with the switchboard's view.

The faults it repairs are the ones queue engines are known for:
1. a zombie call: the switchboard holds a call whose caller channel the switch no longer
   has on two rounds in a row (a lost hang-up event) → the call is ended as if the caller
   hung up, and its agent goes to wrap-up;
2. an agent stuck "reserved", talking or holding with no live call behind it → forced back
   to not ready with the reason "watchdog";
3. an agent's ringing phone that the switch lost (two rounds in a row) → the offer is
   treated as not answered;
4. a channel in the switch that no call of the switchboard owns → hung up.
"""

from __future__ import annotations

from typing import Any

from hotline.routing.domain.agents import BUSY, AgentEvent
from hotline.routing.domain.calls import CallState
from hotline.routing.switchboard import writes


async def reconcile(sb: Any) -> dict[str, int]:
    fixed = {"zombie_calls": 0, "stuck_agents": 0, "lost_rings": 0, "orphan_channels": 0}
    async with sb._lock, writes.together(sb):
        # The switch's channels read under the lock: a call that arrives or rings an agent
        # while the watchdog waits for the lock is in both views, not taken for a lost one.
        channels = {c.id: c for c in await sb.switch.channels()}
        # A channel gone on two rounds in a row is lost: on the first, its hang-up event may
        # still wait in the switch's queue behind others (the switchboard handles them in
        # turn), and ending the call here would record a hang-up by the agent as "lost".
        gone: set[str] = set()
        for call in list(sb.calls.values()):
            if call.channel and call.channel not in channels:
                gone.add(call.id)
                if call.id not in sb.zombie_suspects:
                    continue
                fixed["zombie_calls"] += 1
                sb.by_channel.pop(call.channel, None)
                await sb._caller_left(call, "lost")
                continue
            if call.state == CallState.RINGING:
                lost = [a for a, ch in call.ringing.items() if ch not in channels]
                if lost:
                    gone.add(call.id)
                if lost and call.id in sb.zombie_suspects:
                    fixed["lost_rings"] += len(lost)
                    await sb._ring_no_answer(call, lost)
            elif call.agent_channel and call.agent_channel not in channels:
                gone.add(call.id)
                if call.id not in sb.zombie_suspects:
                    continue
                fixed["zombie_calls"] += 1
                sb.by_channel.pop(call.agent_channel, None)
                await sb._agent_left(call)
        sb.zombie_suspects = gone - sb.zombie_suspects
        for agent in list(sb.router.agents.values()):
            if agent.state not in BUSY:
                continue
            call = sb.calls.get(agent.call_id)
            owns = call is not None and (
                agent.id in call.ringing
                or call.agent_id == agent.id
                or call.leg_of(agent.id) is not None
            )
            if not owns:
                fixed["stuck_agents"] += 1
                await sb.agent_event(agent.id, AgentEvent.FORCE_RESET, reason="watchdog")
        # A channel unknown on two rounds in a row is an orphan (on the first, its
        # "entered" event may still be on its way).
        known = set(sb.by_channel)
        suspects = {c.id for c in channels.values() if c.id not in known and c.caller != "snoop"}
        for channel_id in suspects & sb.orphan_suspects:
            fixed["orphan_channels"] += 1
            await sb.switch.hangup(channel_id, reason="orphan")
        sb.orphan_suspects = suspects - sb.orphan_suspects
    return fixed
