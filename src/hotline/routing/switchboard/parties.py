"""Third parties on a call: attended (consultative) transfer and conference.

Built as on Asterisk ARI from the switch's pieces:

- consult: the caller is held (music) in the call's bridge, the agent's channel leaves that
  bridge, a channel is originated to the target (another agent's phone or an outside
  number); when it answers, agent and target talk in a bridge of their own. *Complete*
  moves the target into the caller's bridge, unholds the caller and hangs up the agent's
  channel (the agent goes to wrap-up, the target agent is the call's agent from then on).
  *Cancel*, a target who does not answer in the queue's ring time, or a target who hangs up
  brings the agent's channel back to the caller's bridge and unholds the caller.
- conference: a channel originated to the party joins the call's bridge when it answers
  (one mixing bridge, three or more channels); the agent drops a party by hanging up its
  channel. If the call's agent leaves, an agent in the conference takes the call over.

Agents called as a party go ready → ringing → talking like any offer, then to wrap-up when
their part ends; one who never answered goes back as for any unanswered offer. Every step
is written to the call record's steps.
"""

from __future__ import annotations

from typing import Any

from hotline.routing.domain.agents import AgentEvent, AgentState
from hotline.routing.domain.calls import CallEvent, CallState
from hotline.routing.switchboard.live import Leg, LiveCall

MAX_PARTIES = 3


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _ring_timeout(sb: Any, call: LiveCall) -> float:
    queue = sb.router.queues.get(call.queue)
    return float(queue.config.ring_timeout) if queue else 20.0


async def _target(sb: Any, agent_id: int, command: dict[str, Any]) -> tuple[Any, str] | dict:
    """The agent or number asked for, checked; or an error answer."""
    target, number = command.get("to_agent"), str(command.get("number") or "").strip()
    if target not in (None, ""):
        try:
            target = int(target)
        except (TypeError, ValueError):
            return _error("agent_not_ready")
        other = sb.router.agents.get(target)
        if target == agent_id or other is None or other.state != AgentState.READY:
            return _error("agent_not_ready")
        return target, ""
    if number:
        if not number.isdigit() or not 3 <= len(number) <= 20:
            return _error("bad_number")
        return None, number
    return _error("target_required")


async def _call_out(sb: Any, call: LiveCall, agent_id: int | None, number: str) -> Leg:
    timeout = _ring_timeout(sb, call)
    if agent_id is not None:
        await sb._agent(agent_id, AgentEvent.OFFER, call_id=call.id)
        channel = await sb.switch.ring(f"agent/{agent_id}", caller=call.caller, timeout=timeout)
    else:
        channel = await sb.switch.originate(number, caller=call.caller, timeout=timeout)
    sb.by_channel[channel] = call.id
    return Leg(channel, agent_id, number, deadline=sb.clock.now() + timeout)


async def _release(sb: Any, leg: Leg, *, reason: str, hang_up: bool = True) -> None:
    """Hang up a party's channel (unless it is gone already) and free its agent: to wrap-up
    after talking, back to ready if their phone was still ringing."""
    sb.by_channel.pop(leg.channel, None)
    if hang_up:
        await sb.switch.hangup(leg.channel, reason=reason)
    if leg.agent_id is None:
        return
    agent = sb.router.agents.get(leg.agent_id)
    if agent is None or agent.state not in (AgentState.RESERVED, AgentState.TALKING):
        return
    if leg.answered:
        await sb._agent(leg.agent_id, AgentEvent.CALL_ENDED)
    elif reason == "ring_no_answer":
        await sb._agent(leg.agent_id, AgentEvent.RING_NO_ANSWER)
    else:
        await sb.agent_event(leg.agent_id, AgentEvent.OFFER_CANCELLED)


# --- attended transfer ------------------------------------------------------------------
async def consult(sb: Any, agent_id: int, call: LiveCall, command: dict[str, Any]) -> dict:
    if call.agent_id != agent_id or call.state not in (CallState.TALKING, CallState.HELD):
        return _error("not_talking")
    if call.consult is not None:
        return _error("already_consulting")
    if call.parties:
        return _error("in_conference")
    target = await _target(sb, agent_id, command)
    if isinstance(target, dict):
        return target
    if call.state == CallState.TALKING:
        await sb.switch.hold(call.channel)
        sb._move(call, CallEvent.HOLD)
        await sb._agent(agent_id, AgentEvent.HOLD)
    await sb.switch.remove_from_bridge(call.bridge, [call.agent_channel])
    leg = await _call_out(sb, call, *target)
    call.consult = leg
    await sb._step(call, "consulting", agent_id=agent_id, state=call.state, detail=leg.target())
    if leg.agent_id is not None:
        await sb._step(call, "consult_ringing", agent_id=leg.agent_id, detail={"by": agent_id})
    return {"ok": True, "channel": leg.channel}


async def _back_to_caller(sb: Any, call: LiveCall, leg: Leg) -> None:
    """The agent's channel returns to the caller's bridge and the caller is taken off hold."""
    if leg.bridge:
        await sb.switch.destroy_bridge(leg.bridge)
    if call.agent_channel:
        await sb.switch.add_to_bridge(call.bridge, [call.agent_channel])
    await sb.switch.unhold(call.channel)
    if call.state == CallState.HELD:
        sb._move(call, CallEvent.UNHOLD)
    if call.agent_id is not None:
        agent = sb.router.agents.get(call.agent_id)
        if agent is not None and agent.state == AgentState.HOLDING:
            await sb._agent(call.agent_id, AgentEvent.UNHOLD)


async def consult_complete(sb: Any, agent_id: int, call: LiveCall) -> dict:
    leg = call.consult
    if leg is None or call.agent_id != agent_id:
        return _error("not_consulting")
    if not leg.answered:
        return _error("consult_not_answered")
    call.consult = None
    if leg.bridge:
        await sb.switch.destroy_bridge(leg.bridge)
    await sb.switch.add_to_bridge(call.bridge, [leg.channel])
    await sb.switch.unhold(call.channel)
    if call.state == CallState.HELD:
        sb._move(call, CallEvent.UNHOLD)
    sb.by_channel.pop(call.agent_channel, None)
    await sb.switch.hangup(call.agent_channel, reason="transferred")
    await sb._step(
        call,
        "transferred",
        agent_id=agent_id,
        state=call.state,
        detail={"consult": True, **leg.target()},
        assign_agent=leg.agent_id,
    )
    await sb._agent(agent_id, AgentEvent.CALL_ENDED)
    call.agent_id, call.agent_channel = leg.agent_id, leg.channel
    return {"ok": True}


async def consult_cancel(sb: Any, agent_id: int, call: LiveCall) -> dict:
    leg = call.consult
    if leg is None or call.agent_id != agent_id:
        return _error("not_consulting")
    call.consult = None
    await _release(sb, leg, reason="consult_cancelled")
    await _back_to_caller(sb, call, leg)
    await sb._step(
        call,
        "consult_cancelled",
        agent_id=agent_id,
        state=call.state,
        detail={"by": "agent", **leg.target()},
    )
    return {"ok": True}


# --- conference -------------------------------------------------------------------------
async def conference_add(sb: Any, agent_id: int, call: LiveCall, command: dict) -> dict:
    if call.consult is not None and call.agent_id == agent_id:
        return _error("already_consulting")
    if call.agent_id != agent_id or call.state != CallState.TALKING or not call.bridge:
        return _error("not_talking")
    if len(call.parties) >= MAX_PARTIES:
        return _error("conference_full")
    target = await _target(sb, agent_id, command)
    if isinstance(target, dict):
        return target
    leg = await _call_out(sb, call, *target)
    call.parties[leg.channel] = leg
    await sb._step(
        call, "conference_ringing", agent_id=leg.agent_id, detail={"by": agent_id, **leg.target()}
    )
    return {"ok": True, "channel": leg.channel}


async def conference_drop(sb: Any, agent_id: int, call: LiveCall, command: dict) -> dict:
    if call.agent_id != agent_id:
        return _error("not_talking")
    target, number = command.get("to_agent"), str(command.get("number") or "").strip()
    parties = list(call.parties.values())
    if target not in (None, ""):
        parties = [p for p in parties if str(p.agent_id) == str(target)]
    elif number:
        parties = [p for p in parties if p.number == number]
    if len(parties) != 1:
        return _error("no_party" if not parties else "target_required")
    leg = call.parties.pop(parties[0].channel)
    await _release(sb, leg, reason="conference_drop")
    await sb._step(
        call, "conference_dropped", agent_id=agent_id, state=call.state, detail=leg.target()
    )
    return {"ok": True}


# --- what the switch reports about a party ------------------------------------------------
async def answered(sb: Any, call: LiveCall, leg: Leg) -> None:
    leg.answered, leg.deadline = True, None
    if leg.agent_id is not None:
        await sb._agent(leg.agent_id, AgentEvent.ANSWER)
    if leg is call.consult:
        leg.bridge = await sb.switch.bridge([call.agent_channel, leg.channel])
        kind = "consult_answered"
    else:
        await sb.switch.add_to_bridge(call.bridge, [leg.channel])
        kind = "conference_joined"
    await sb._step(call, kind, agent_id=leg.agent_id, detail={"by": call.agent_id, **leg.target()})


async def gone(sb: Any, call: LiveCall, leg: Leg, cause: str) -> None:
    """The party's channel ended on the far side: declined, not answered, or hung up."""
    reason = "ring_no_answer" if not leg.answered else "party_hangup"
    await _release(sb, leg, reason=reason, hang_up=False)
    if leg is call.consult:
        call.consult = None
        await _back_to_caller(sb, call, leg)
        kind = "consult_cancelled" if leg.answered else "consult_not_answered"
        await sb._step(
            call,
            kind,
            agent_id=call.agent_id,
            state=call.state,
            detail={"by": "target", "cause": cause, **leg.target()},
        )
    else:
        call.parties.pop(leg.channel, None)
        kind = "conference_left" if leg.answered else "conference_not_answered"
        await sb._step(call, kind, agent_id=leg.agent_id, detail={"cause": cause, **leg.target()})


async def ring_timeouts(sb: Any, call: LiveCall, now: float) -> None:
    for leg in call.legs():
        if not leg.answered and leg.deadline is not None and leg.deadline <= now:
            await sb.switch.hangup(leg.channel, reason="ring_no_answer")
            await gone(sb, call, leg, "ring_no_answer")


async def drop_all(sb: Any, call: LiveCall) -> None:
    """The call ends: every party is hung up and its agent freed."""
    for leg in call.legs():
        if leg.bridge:
            await sb.switch.destroy_bridge(leg.bridge)
        await _release(sb, leg, reason="call_ended")
    call.consult, call.parties = None, {}


async def take_over(sb: Any, call: LiveCall) -> bool:
    """The call's agent left a conference: an agent still in it takes the call over."""
    heir = next((p for p in call.parties.values() if p.answered and p.agent_id), None)
    if heir is None:
        return False
    left = call.agent_id
    call.parties.pop(heir.channel)
    await sb._step(
        call,
        "conference_handover",
        agent_id=left,
        state=call.state,
        detail=heir.target(),
        assign_agent=heir.agent_id,
    )
    if left is not None:
        await sb._agent(left, AgentEvent.CALL_ENDED)
    call.agent_id, call.agent_channel = heir.agent_id, heir.channel
    return True
