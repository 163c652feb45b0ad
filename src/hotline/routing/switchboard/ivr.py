"""A call in the IVR: the walk started (with what it may ask the outside world) and its
actions performed (prompts, keys, the queue, a callback request, the end)."""

from __future__ import annotations

import logging
from typing import Any

from hotline.routing.domain.calls import CallEvent, CallState
from hotline.routing.domain.ivr import Action, IvrWalk
from hotline.routing.ivr_context import EMPTY_FACTS, context_from, needs_prefetch
from hotline.routing.switchboard import callbacks, writes
from hotline.routing.switchboard.live import LiveCall

logger = logging.getLogger(__name__)
IVR_KEY_TIMEOUT = 8.0


async def enter(sb: Any, call: LiveCall, flow: dict[str, Any]) -> None:
    """Start the walk of ``flow`` (under the switchboard's lock). What the walk may ask of
    the outside world (the balance from billing, up to its time budget) is fetched without
    the lock, in the background: other calls' events go on meanwhile."""
    if not needs_prefetch(flow):
        call.ivr = IvrWalk(flow, context_from(EMPTY_FACTS))
        await perform(sb, call, call.ivr.start())
        return
    sb._spawn(_start(sb, call, flow))


async def _start(sb: Any, call: LiveCall, flow: dict[str, Any]) -> None:
    facts = await sb.db.ask(sb.stores.ivr_prefetch, flow=flow, customer_id=call.customer_id)
    async with sb._lock, writes.together(sb):
        if sb.calls.get(call.id) is not call or call.state != CallState.IVR:
            return  # the caller hung up meanwhile
        try:
            call.ivr = IvrWalk(flow, context_from(facts))
            await perform(sb, call, call.ivr.start())
        except Exception:
            logger.exception("switchboard: the IVR of %s failed", call.id)


async def perform(sb: Any, call: LiveCall, actions: list[Action]) -> None:
    if call.ivr is not None and call.ivr.path:
        await sb._step(
            call,
            "ivr",
            state=call.state,
            ivr_path=call.ivr.path,
            detail={"last": call.ivr.path[-1]},
            publish=False,
        )
    for action in actions:
        if action.kind == "play":
            await sb.switch.play(call.channel, action.text)
        elif action.kind == "collect":
            await sb.switch.collect_dtmf(call.channel, IVR_KEY_TIMEOUT)
        elif action.kind == "queue":
            if action.queue not in sb.router.queues:
                await sb._end(call, CallEvent.SYSTEM_END, reason="no_queue", by="system")
                await sb.switch.hangup(call.channel, reason="no_queue")
                return
            call.priority += action.priority
            await sb._enqueue(call, action.queue)
        elif action.kind == "callback":
            call.queue = action.queue
            await callbacks.request_callback(sb, call)
        elif action.kind == "hangup":
            if action.text:
                await sb.switch.play(call.channel, action.text)
            await sb._end(call, CallEvent.SYSTEM_END, reason="ivr_end", by="system")
            await sb.switch.hangup(call.channel, reason="ivr_end")
