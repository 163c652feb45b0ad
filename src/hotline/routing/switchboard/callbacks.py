"""Callbacks that keep the caller's place: the request from the IVR and a called-back
customer who does not answer (retried up to ``CALLBACK_ATTEMPTS``, then given up, every
step written to the call and to its ``CallbackRequest``)."""

from __future__ import annotations

from typing import Any

from hotline.routing.domain.agents import AgentEvent
from hotline.routing.domain.calls import CallEvent, CallState
from hotline.routing.switchboard import writes
from hotline.routing.switchboard.live import LiveCall

CALLBACK_ATTEMPTS = 3


async def request_callback(sb: Any, call: LiveCall) -> None:
    """The caller keeps their place and hangs up; the ACD calls back at their turn."""
    now = sb.clock.now()
    if call.entered is None:
        call.entered = now
    if call.id in sb.router.waiting:
        sb.router.to_callback(call.id)
    else:
        sb.router.enqueue(
            call_id=call.id,
            queue=call.queue,
            priority=call.priority,
            now=now,
            customer_id=call.customer_id,
            entered=call.entered,
            callback=True,
        )
    sb._move(call, CallEvent.CALLBACK_REQUESTED)
    channel, call.channel, call.callback = call.channel, "", True
    sb.by_channel.pop(channel, None)
    await writes.write(
        sb,
        sb.stores.callback_write,
        call_id=call.id,
        number=call.caller,
        customer_id=call.customer_id,
        queue=call.queue,
        priority=call.priority,
        entered_at=call.entered,
        state="waiting",
    )
    await sb._step(
        call,
        "callback_requested",
        state="callback",
        ended_at=now,
        end_reason="callback_requested",
        hung_up_by="caller",
    )
    if channel:
        await sb.switch.play(channel, "we will call you back")
        await sb.switch.hangup(channel, reason="callback_requested")
    match = sb.router.match_call(call.id, now=now)
    if match is not None:
        await sb._offer(match)


async def callback_failed(sb: Any, call: LiveCall) -> None:
    """The called-back customer did not answer: retry (keeping the place) or give up."""
    agent_id = call.agent_id
    call.channel, call.agent_id, call.answered_at = "", None, None
    if call.agent_channel:
        sb.by_channel.pop(call.agent_channel, None)
        await sb.switch.hangup(call.agent_channel)
        call.agent_channel = ""
    if agent_id is not None:
        await sb._agent(agent_id, AgentEvent.CALL_ENDED)
    if call.callback_attempts >= CALLBACK_ATTEMPTS:
        await callback_state(sb, call, "failed")
        await sb._step(call, "callback_failed")
        sb.calls.pop(call.id, None)
        return
    await callback_state(sb, call, "retry")
    await sb._step(call, "callback_retry")
    call.state = CallState.QUEUED
    sb.router.enqueue(
        call_id=call.id,
        queue=call.queue,
        priority=call.priority,
        now=sb.clock.now(),
        customer_id=call.customer_id,
        entered=call.entered,
        callback=True,
    )


async def callback_state(sb: Any, call: LiveCall, state: str) -> None:
    """Write the callback request's new ``state`` with the attempts made so far."""
    await writes.write(
        sb,
        sb.stores.callback_write,
        call_id=call.id,
        state=state,
        attempts=call.callback_attempts,
    )
