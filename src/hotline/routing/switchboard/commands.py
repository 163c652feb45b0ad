"""Desktop and supervisor commands, as the switchboard executes them.

A command is a small JSON object ``{"op": ..., "agent": <user id>, ...}`` so that it
travels unchanged in-process (embedded) or over the channel layer (production); see
``hotline.routing.commands`` for the sending side. Every answer is ``{"ok": true, ...}`` or
``{"ok": false, "error": <code>, ...}``.
"""

from __future__ import annotations

from typing import Any

from hotline.routing.domain.agents import AgentEvent, AgentState, InvalidTransition
from hotline.routing.domain.calls import CallEvent, CallState
from hotline.routing.switchboard import parties, writes

STATE_EVENTS = {
    "login": AgentEvent.LOGIN,
    "logout": AgentEvent.LOGOUT,
    "ready": AgentEvent.READY,
    "not_ready": AgentEvent.NOT_READY,
    "wrap_up_done": AgentEvent.WRAP_UP_DONE,
}
SUPERVISE = {"listen", "whisper", "barge"}
PARTY_OPS = {
    "consult": parties.consult,
    "consult_complete": lambda sb, agent_id, call, _c: parties.consult_complete(sb, agent_id, call),
    "consult_cancel": lambda sb, agent_id, call, _c: parties.consult_cancel(sb, agent_id, call),
    "conference_add": parties.conference_add,
    "conference_drop": parties.conference_drop,
}


def snapshot(sb: Any, agent_id: int | None = None) -> dict[str, Any]:
    """The agents' states (or one agent's), the queue figures and the number of calls."""
    agents = sb.router.agents.values()
    consulting = {c.agent_id for c in sb.calls.values() if c.consult is not None}
    if agent_id is not None:
        agents = [a for a in (sb.router.agents.get(agent_id),) if a is not None]
    return {
        "agents": {
            str(a.id): {
                "state": a.state,
                "reason": a.reason,
                "since": a.since,
                "call_id": a.call_id,
                "calls_today": a.calls_today,
                "wrap_up_deadline": a.wrap_up_deadline,
                "pending": a.pending[0] if a.pending else "",
                "consulting": a.id in consulting,
            }
            for a in agents
        },
        "queues": sb.queue_figures(),
        "calls": len(sb.calls),
    }


def wrong_state(error: InvalidTransition) -> dict[str, Any]:
    return {"ok": False, "error": "invalid_state", "state": error.state, "event": error.event}


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, **extra}


async def execute(sb: Any, command: dict[str, Any]) -> dict[str, Any]:
    op = command.get("op")
    if op == "figures":
        return {"ok": True, "queues": sb.queue_figures()}
    if op == "snapshot":
        view = command.get("agent_view")
        return {"ok": True, **snapshot(sb, int(view) if view else None)}
    if op == "reload":
        async with sb._lock:
            await sb.reload()
        return {"ok": True}
    if op == "place_call" and hasattr(sb.switch, "place_call"):
        from hotline.telephony.simulated import CallerScript

        channel = sb.switch.place_call(
            command.get("caller", ""),
            command.get("called", ""),
            CallerScript(**command.get("script", {})),
        )
        return {"ok": True, "channel": channel}
    if op == "place_call":
        return _error("not_simulated")
    try:
        agent_id = int(command.get("agent"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _error("agent_required")
    if agent_id not in sb.router.agents:
        async with sb._lock:  # an agent (or queue) added since start-up
            await sb.reload()
        if agent_id not in sb.router.agents:
            return _error("not_an_agent")
    async with sb._lock, writes.together(sb) as batch:
        try:
            result = await _agent_command(sb, op, agent_id, command)
        except InvalidTransition as error:
            result = wrong_state(error)
    # Outside the lock: the next command or event is handled while these rows are written,
    # and the desk is answered once they are committed.
    await batch.committed()
    return result


async def _agent_command(sb: Any, op: Any, agent_id: int, command: dict[str, Any]) -> dict:
    agent = sb.router.agents[agent_id]
    by_id = command.get("by")
    if op in STATE_EVENTS:
        reason = str(command.get("reason", ""))[:40]
        if op == "not_ready" and not reason:
            return _error("reason_required")
        if op == "wrap_up_done" and command.get("call") and command["call"] != agent.call_id:
            return _error("invalid_state")  # that call's wrap-up is over (timed out)
        agent = await sb.agent_event(agent_id, STATE_EVENTS[op], reason=reason, by_id=by_id)
        if agent.state == AgentState.READY:  # their next offer's pop finds their scope cached
            await writes.write(sb, sb.stores.pop_scope_warm, first=True, agent_id=agent_id)
        return {
            "ok": True,
            "state": agent.state,
            "reason": agent.reason,
            "pending": agent.pending is not None,
        }
    call = sb.calls.get(agent.call_id) if agent.call_id else None
    leg = call.leg_of(agent_id) if call is not None else None
    if op == "answer":
        if agent.state == AgentState.RESERVED and leg is not None and not leg.answered:
            await sb.switch.answer(leg.channel)  # consulted or called into a conference
            return {"ok": True}
        if agent.state != AgentState.RESERVED or call is None or agent_id not in call.ringing:
            return _error("nothing_to_answer")
        await sb.switch.answer(call.ringing[agent_id])
        return {"ok": True}
    if call is None:
        return _error("no_call")
    if leg is not None:  # a party on another agent's call may only leave it
        if op != "hangup":
            return _error("not_your_call")
        await sb.switch.hangup(leg.channel, reason="party_hangup")
        return {"ok": True}
    if op in PARTY_OPS:
        return await PARTY_OPS[op](sb, agent_id, call, command)
    if op == "hangup" and call.consult is not None and call.consult.answered:
        return await parties.consult_complete(sb, agent_id, call)  # hang up to hand over
    if op == "hangup":
        if agent.state == AgentState.RESERVED:
            await sb._ring_no_answer(call, [agent_id])
        elif call.agent_channel:
            await sb.switch.hangup(call.agent_channel, reason="agent_hangup")
        return {"ok": True}
    if op in ("hold", "unhold"):
        if call.consult is not None:
            return _error("already_consulting")
        if op == "hold" and call.state != CallState.TALKING:
            return _error("not_talking")
        if op == "unhold" and call.state != CallState.HELD:
            return _error("not_on_hold")
        await (sb.switch.hold if op == "hold" else sb.switch.unhold)(call.channel)
        sb._move(call, CallEvent.HOLD if op == "hold" else CallEvent.UNHOLD)
        await sb._agent(agent_id, AgentEvent.HOLD if op == "hold" else AgentEvent.UNHOLD)
        await sb._step(
            call, "held" if op == "hold" else "resumed", agent_id=agent_id, state=call.state
        )
        return {"ok": True}
    if op == "transfer":
        if call.consult is not None:
            return _error("already_consulting")
        if call.parties:
            return _error("in_conference")
        return await _transfer(sb, agent_id, call, command)
    if op in SUPERVISE or op == "supervise_end":
        return await _supervise(sb, call, op, int(command.get("by") or 0))
    return _error("unknown_op", op=op)


async def _supervise(sb: Any, call: Any, op: str, supervisor: int) -> dict:
    """A team lead listens to, whispers to the agent of, or joins (barges into) a call, on
    their own phone; one mode at a time per supervisor, ended by ``supervise_end`` or with
    the call."""
    old = call.snoops.pop(supervisor, None)
    if old:
        sb.by_channel.pop(old, None)
        await sb.switch.hangup(old, reason="supervisor_done")
    if op == "supervise_end":
        if old:
            await sb._step(call, "supervisor_end", agent_id=supervisor or None)
        return {"ok": True}
    if call.state not in (CallState.TALKING, CallState.HELD) or not call.channel:
        return _error("not_talking")
    channel = await sb.switch.snoop(call.channel, endpoint=f"agent/{supervisor}", spy=op)
    call.snoops[supervisor] = channel
    await sb._step(
        call, f"supervisor_{op}", agent_id=supervisor or None, detail={"channel": channel}
    )
    return {"ok": True, "channel": channel}


async def _transfer(sb: Any, agent_id: int, call: Any, command: dict[str, Any]) -> dict:
    """Blind transfer to a queue, an agent or an outside number; the agent goes to wrap-up."""
    if call.state not in (CallState.TALKING, CallState.HELD):
        return _error("not_talking")
    queue, target, number = command.get("queue"), command.get("to_agent"), command.get("number")
    if queue and queue not in sb.router.queues:
        return _error("unknown_queue")
    if target is not None:
        target = int(target)
        other = sb.router.agents.get(target)
        if other is None or other.state != AgentState.READY:
            return _error("agent_not_ready")
    if not (queue or target is not None or number):
        return _error("target_required")
    if call.state == CallState.HELD:
        await sb.switch.unhold(call.channel)
    sb.by_channel.pop(call.agent_channel, None)
    await sb.switch.hangup(call.agent_channel, reason="transferred")
    await sb._step(
        call,
        "transferred",
        agent_id=agent_id,
        detail={"queue": queue or "", "agent": target, "number": number or ""},
    )
    await sb._agent(agent_id, AgentEvent.CALL_ENDED)
    call.agent_id, call.agent_channel, call.bridge = None, "", ""
    if number:
        await sb.switch.redirect(call.channel, f"PJSIP/{number}")
        await sb._end(call, CallEvent.AGENT_HANGUP, reason="transferred_out", by="agent")
        return {"ok": True}
    sb._move(call, CallEvent.TRANSFER)
    if target is not None:
        from hotline.routing.domain.routing import Match

        await sb._offer(Match(call.id, call.queue, (target,)))
        return {"ok": True}
    await sb._enqueue(call, queue, transferred=True)
    return {"ok": True}
