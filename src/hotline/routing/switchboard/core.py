"""The switchboard: live calls and agents in memory, every change written through.

One instance per site is active (see ``leadership.py``). It consumes the switch's events
one at a time, runs the IVR, queues calls, asks the router for agents, rings them, bridges,
and keeps agents' states by the transition table. Time-based work (ring time-outs, wrap-up
limits, overflow) is done by ``tick()`` against the injected clock, so tests move a manual
clock instead of sleeping. Desktop commands arrive through ``command()``
(``commands.py``); the watchdog (``watchdog.py``) reconciles with the switch's channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from typing import Any

from hotline.routing.domain.agents import Agent, AgentEvent, AgentState
from hotline.routing.domain.calls import CallEvent, CallState, next_call_state
from hotline.routing.domain.routing import Match, Router, call_priority
from hotline.routing.switchboard import callbacks, ivr, parties, writes
from hotline.routing.switchboard.live import LiveCall
from hotline.telephony.port import (
    ChannelAnswered,
    ChannelEntered,
    ChannelHungUp,
    DtmfReceived,
    RecordingFinished,
    SwitchEvent,
)

logger = logging.getLogger(__name__)


class Switchboard:
    def __init__(self, *, switch: Any, stores: Any, boundary: Any, clock: Any) -> None:
        self.switch = switch
        self.stores = stores
        self.db = boundary
        self.clock = clock
        self.router = Router()
        self.calls: dict[str, LiveCall] = {}
        self.by_channel: dict[str, str] = {}
        self.flows: dict[str, dict[str, Any]] = {}
        self.queue_labels: dict[str, str] = {}
        self.recovered: dict[str, Any] = {}
        self.orphan_suspects: set[str] = set()
        self.zombie_suspects: set[str] = set()  # calls whose channel was gone once
        self.pending: set[asyncio.Task] = set()  # background work (IVR starts, pops)
        self._lock = asyncio.Lock()  # events, commands and ticks never interleave
        self.writer = writes.Writer(self)  # commits their rows in order, without the lock

    # --- start-up --------------------------------------------------------------------------
    async def load(self) -> None:
        """Rebuild state from the database: configuration, agents, waiting callbacks."""
        now = self.clock.now()
        self.recovered = await self.db.run(self.stores.recover, now=now)
        await self.reload()
        for row in self.recovered["callbacks"]:
            entered = row["entered_at"].timestamp()
            call = LiveCall(
                id=row["call_id"],
                channel="",
                caller=row["number"],
                state=CallState.QUEUED,
                customer_id=row["customer_id"],
                priority=row["priority"],
                queue=row["queue"],
                entered=entered,
                callback=True,
                callback_attempts=row["attempts"],
            )
            if call.queue in self.router.queues:
                self.calls[call.id] = call
                self.router.enqueue(
                    call_id=call.id,
                    queue=call.queue,
                    priority=call.priority,
                    now=now,
                    customer_id=call.customer_id,
                    entered=entered,
                    callback=True,
                )
        await self._match_all()

    async def reload(self) -> None:
        config = await self.db.run(self.stores.load_configuration)
        self.flows, self.queue_labels = config.flows, config.queue_labels
        for queue in config.queues:
            if queue.code not in self.router.queues:
                self.router.add_queue(queue)
            else:
                self.router.queues[queue.code].config = queue
        for row in config.agents:
            if row.id in self.router.agents:
                continue
            agent = Agent(
                id=row.id,
                name=row.name,
                skills=row.skills,
                state=AgentState(row.state),
                reason=row.reason,
                calls_today=row.calls_today,
                since=self.clock.now(),
                idle_since=self.clock.now(),
            )
            self.router.add_agent(agent)

    # --- events from the switch -----------------------------------------------------------
    async def handle(self, event: SwitchEvent, *, wait: bool = True) -> None:
        """Handle ``event``; with ``wait``, return once its rows are committed (the event
        loop of the service does not wait: the writer commits them in order meanwhile)."""
        async with self._lock, writes.together(self) as batch:
            try:
                await self._dispatch(event)
            except Exception:
                logger.exception("switchboard: %r failed", event)
        if wait:
            with contextlib.suppress(Exception):  # logged by the writer
                await batch.committed()

    async def _dispatch(self, event: SwitchEvent) -> None:
        if isinstance(event, ChannelEntered):
            await self._on_entered(event)
        elif isinstance(event, DtmfReceived):
            call = self._call_of(event.channel)
            if call is not None and call.state == CallState.IVR and call.ivr is not None:
                await ivr.perform(self, call, call.ivr.press(event.digit))
        elif isinstance(event, ChannelAnswered):
            await self._on_answered(event.channel)
        elif isinstance(event, ChannelHungUp):
            await self._on_hangup(event.channel, event.cause)
        elif isinstance(event, RecordingFinished):
            call = self._call_of(event.channel)
            call_id = call.id if call else event.name
            await writes.write(
                self,
                self.stores.recording_attach,
                call_id=call_id,
                path=event.path,
                seconds=event.duration,
            )

    def _call_of(self, channel: str) -> LiveCall | None:
        call_id = self.by_channel.get(channel)
        return self.calls.get(call_id) if call_id else None

    async def _step(self, call: LiveCall, kind: str, **fields: Any) -> None:
        await writes.write(
            self, self.stores.call_step, call_id=call.id, at=self.clock.now(), kind=kind, **fields
        )

    def _move(self, call: LiveCall, event: CallEvent) -> None:
        call.state = next_call_state(call.state, event)

    async def _on_entered(self, event: ChannelEntered) -> None:
        now = self.clock.now()
        call = LiveCall(
            id=uuid.uuid4().hex,
            channel=event.channel,
            caller=event.caller,
            called=event.called,
            started=now,
        )
        self.calls[call.id] = call
        self.by_channel[event.channel] = call.id
        info = await self.db.run(
            self.stores.call_open,
            call_id=call.id,
            channel=event.channel,
            caller=event.caller,
            called=event.called,
            at=now,
        )
        call.customer_id = info["customer_id"]
        call.customer, call.identified = info["customer"], True
        call.priority = call_priority(vip_level=info["vip_level"], repeat_caller=info["repeat"])
        await self.switch.answer(call.channel)
        flow = self.flows.get(event.called) or self.flows.get("")
        if flow is None:
            default = next(iter(self.router.queues), None)
            if default is None:
                await self._end(call, CallEvent.SYSTEM_END, reason="no_queue", by="system")
                await self.switch.hangup(call.channel, reason="no_queue")
                return
            await self._enqueue(call, default)
            return
        self._move(call, CallEvent.ENTER_IVR)
        await ivr.enter(self, call, flow)

    def _spawn(self, coroutine: Any) -> None:
        # A context of its own: not the writes collected by the event that started it.
        task = asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def settle(self) -> None:
        """Wait for the work started in the background (IVR starts, pops) and for every
        write handed to the writer to be committed (tests, a clean stop)."""
        while True:
            if self.pending:
                await asyncio.gather(*list(self.pending), return_exceptions=True)
            await self.writer.drain()
            if not self.pending and not self.writer.backlog:
                return

    # --- queueing and offering ------------------------------------------------------------
    async def _enqueue(self, call: LiveCall, queue: str, *, transferred: bool = False) -> None:
        now = self.clock.now()
        first = call.entered is None
        if first:
            call.entered = now
        if call.state != CallState.QUEUED:
            self._move(call, CallEvent.TRANSFER if transferred else CallEvent.ENQUEUE)
        call.queue = queue
        self.router.enqueue(
            call_id=call.id,
            queue=queue,
            priority=call.priority,
            now=now,
            customer_id=call.customer_id,
            entered=call.entered,
            callback=call.callback,
        )
        fields: dict[str, Any] = {"state": call.state, "queue": queue, "priority": call.priority}
        if first:
            fields["queued_at"] = now
        await self._step(call, "queued", detail={"queue": queue}, **fields)
        if call.channel:
            await self.switch.start_music(call.channel)
            position = self.router.position(call.id)
            wait = int(self.router.estimated_wait(call.id))
            await self.switch.play(call.channel, f"position {position}, about {wait} s")
        match = self.router.match_call(call.id, now=now)
        if match is not None:
            await self._offer(match)

    async def _offer(self, match: Match) -> None:
        call = self.calls[match.call_id]
        now = self.clock.now()
        config = self.router.queues[match.queue].config
        if call.state == CallState.CALLBACK:
            call.state = CallState.QUEUED  # back from the callback list to be offered
        if call.callback:
            await writes.write(
                self,
                self.stores.callback_write,
                call_id=call.id,
                state="offered",
                agent_id=match.agent_ids[0],
            )
        self._move(call, CallEvent.RING)
        call.ring_deadline = now + config.ring_timeout
        for agent_id in match.agent_ids:
            # The agent is reserved in memory at once; its state and the ringing step are
            # written through together, one transaction per offer (the screen pop follows
            # that commit, so one write stands between the choice and the pop, not two).
            _agent, agent_write = self._agent_apply(agent_id, AgentEvent.OFFER, call_id=call.id)
            phone = await self.switch.ring(
                f"agent/{agent_id}", caller=call.caller, timeout=config.ring_timeout
            )
            call.ringing[agent_id] = phone
            self.by_channel[phone] = call.id
            # The pop is built here, from memory, and pushed before the write (the phone
            # already rings): no database write stands between the choice and the pop.
            if call.identified:
                pop = call.pop(offered_at=now)
                await writes.write(
                    self, self.stores.offer_pop, first=True, agent_id=agent_id, pop=pop
                )
            await writes.write(
                self,
                self.stores.offer_write,
                agent=agent_write,
                step={
                    "call_id": call.id,
                    "at": self.clock.now(),
                    "kind": "ringing",
                    "agent_id": agent_id,
                    "state": call.state,
                    "detail": {"callback": call.callback},
                    "offered_at": now,
                    "popped": call.identified,
                },
            )

    async def _match_agent(self, agent_id: int) -> None:
        match = self.router.match_agent(agent_id, now=self.clock.now())
        if match is not None:
            await self._offer(match)

    async def _match_all(self) -> None:
        now = self.clock.now()
        for match in self.router.match_all(now=now):
            await self._offer(match)

    # --- agents -----------------------------------------------------------------------------
    async def _agent(
        self,
        agent_id: int,
        event: AgentEvent,
        *,
        reason: str = "",
        call_id: str = "",
        by_id: int | None = None,
        queue: str = "",
    ) -> Agent:
        agent, write = self._agent_apply(
            agent_id, event, reason=reason, call_id=call_id, by_id=by_id, queue=queue
        )
        if write is not None:
            await writes.write(self, self.stores.agent_state_write, **write)
        return agent

    def _agent_apply(
        self,
        agent_id: int,
        event: AgentEvent,
        *,
        reason: str = "",
        call_id: str = "",
        by_id: int | None = None,
        queue: str = "",
    ) -> tuple[Agent, dict[str, Any] | None]:
        """Apply ``event`` to the agent in memory; what to write through (None: nothing yet,
        the change waits for the end of the call). ``queue``: the call's queue when the call
        has ended already (no longer among the live calls), for its wrap-up limit."""
        agent = self.router.agents[agent_id]
        limit = None
        if event == AgentEvent.CALL_ENDED:
            call = self.calls.get(agent.call_id)
            live_queue = self.router.queues.get(queue or (call.queue if call else ""))
            limit = live_queue.config.wrap_up_limit if live_queue else 60.0
        change = agent.apply(
            event,
            now=self.clock.now(),
            reason=reason,
            call_id=call_id or agent.call_id,
            wrap_up_limit=limit,
        )
        self.router.agent_changed(agent)
        if change.pending:
            return agent, None
        return agent, {
            "agent_id": agent_id,
            "before": change.before,
            "after": change.after,
            "reason": change.reason,
            "at": self.clock.now(),
            "call_id": agent.call_id,
            "calls_today": agent.calls_today,
            "by_id": by_id,
            "wrap_up_deadline": agent.wrap_up_deadline,
        }

    async def agent_event(
        self, agent_id: int, event: AgentEvent, *, reason: str = "", by_id: int | None = None
    ) -> Agent:
        agent = await self._agent(agent_id, event, reason=reason, by_id=by_id)
        if agent.state == AgentState.READY:
            await self._match_agent(agent_id)
        return agent

    # --- answer, hang-up ------------------------------------------------------------------
    async def _on_answered(self, channel: str) -> None:
        call = self._call_of(channel)
        if call is None:
            return
        leg = call.leg_on(channel)
        if leg is not None:  # a consulted or conferenced party picked up
            await parties.answered(self, call, leg)
            return
        if channel == call.channel and call.callback:  # the called-back customer picked up
            call.bridge = await self.switch.bridge([call.agent_channel, call.channel])
            await self.switch.record(call.bridge, name=call.id)
            await callbacks.callback_state(self, call, "answered")
            await self._step(call, "callback_answered")
            return
        agent_id = next((a for a, ch in call.ringing.items() if ch == channel), None)
        if agent_id is None or call.state != CallState.RINGING:
            return
        for other, phone in list(call.ringing.items()):  # ring-all: the others stop ringing
            if other != agent_id:
                self.by_channel.pop(phone, None)
                await self.switch.hangup(phone, reason="answered_elsewhere")
                await self.agent_event(other, AgentEvent.OFFER_CANCELLED)
        call.ringing = {}
        call.agent_id, call.agent_channel = agent_id, channel
        call.answered_at = self.clock.now()
        self._move(call, CallEvent.ANSWER)
        await self._agent(agent_id, AgentEvent.ANSWER)
        self.router.note_served(
            agent_id=agent_id, customer_id=call.customer_id, now=self.clock.now()
        )
        if call.callback:
            call.callback_attempts += 1
            call.channel = await self.switch.originate(call.caller, caller="hotline", timeout=30)
            self.by_channel[call.channel] = call.id
            await callbacks.callback_state(self, call, "dialing")
            await self._step(
                call,
                "callback_dialing",
                agent_id=agent_id,
                state=call.state,
                answered_at=call.answered_at,
                assign_agent=agent_id,
            )
            return
        await self.switch.stop_music(call.channel)
        call.bridge = await self.switch.bridge([call.channel, channel])
        await self.switch.record(call.bridge, name=call.id)
        await self._step(
            call,
            "answered",
            agent_id=agent_id,
            state=call.state,
            answered_at=call.answered_at,
            assign_agent=agent_id,
        )

    async def _on_hangup(self, channel: str, cause: str) -> None:
        call = self._call_of(channel)
        if call is None:
            return
        self.by_channel.pop(channel, None)
        leg = call.leg_on(channel)
        if leg is not None:
            await parties.gone(self, call, leg, cause)
        elif channel == call.channel:
            await self._caller_left(call, cause)
        elif channel == call.agent_channel:
            await self._agent_left(call)
        elif channel in call.ringing.values():  # the agent declined the offer
            agent_id = next(a for a, ch in call.ringing.items() if ch == channel)
            await self._ring_no_answer(call, [agent_id])

    async def _caller_left(self, call: LiveCall, cause: str) -> None:
        if (
            call.callback
            and call.state == CallState.TALKING
            and call.answered_at is not None
            and not call.bridge
        ):
            await callbacks.callback_failed(self, call)
            return
        if call.state in (CallState.TALKING, CallState.HELD):
            await self._end(call, CallEvent.CALLER_HANGUP, reason=cause, by="caller")
            if call.agent_channel:
                self.by_channel.pop(call.agent_channel, None)
                await self.switch.hangup(call.agent_channel)
            if call.agent_id is not None:
                await self._agent(call.agent_id, AgentEvent.CALL_ENDED, queue=call.queue)
            return
        self.router.dequeue(call.id)
        ringing = dict(call.ringing)
        call.ringing = {}
        await self._end(call, CallEvent.CALLER_HANGUP, reason=cause, by="caller")
        for agent_id, phone in ringing.items():  # abandoned while ringing
            self.by_channel.pop(phone, None)
            await self.switch.hangup(phone, reason="caller_left")
            await self.agent_event(agent_id, AgentEvent.OFFER_CANCELLED)

    async def _agent_left(self, call: LiveCall) -> None:
        if call.state not in (CallState.TALKING, CallState.HELD):
            return
        if call.parties and await parties.take_over(self, call):
            return
        await self._end(call, CallEvent.AGENT_HANGUP, reason="agent_hangup", by="agent")
        if call.channel:
            self.by_channel.pop(call.channel, None)
            await self.switch.hangup(call.channel)
        if call.agent_id is not None:
            await self._agent(call.agent_id, AgentEvent.CALL_ENDED, queue=call.queue)

    async def _end(self, call: LiveCall, event: CallEvent, *, reason: str, by: str) -> None:
        self._move(call, event)
        for channel in call.snoops.values():  # supervisors listening leave with the call
            await self.switch.hangup(channel, reason="call_ended")
        call.snoops.clear()
        await parties.drop_all(self, call)
        now = self.clock.now()
        kind = "abandoned" if call.state == CallState.ABANDONED else "ended"
        await self._step(
            call,
            kind,
            state=call.state,
            ended_at=now,
            end_reason=reason,
            hung_up_by=by,
            detail={"reason": reason, "by": by},
        )
        if call.callback and kind == "ended":
            await callbacks.callback_state(self, call, "answered")
        self.calls.pop(call.id, None)

    async def _ring_no_answer(self, call: LiveCall, agent_ids: list[int]) -> None:
        for agent_id in agent_ids:
            phone = call.ringing.pop(agent_id, None)
            if phone:
                self.by_channel.pop(phone, None)
                await self.switch.hangup(phone, reason="ring_no_answer")
            await self._agent(agent_id, AgentEvent.RING_NO_ANSWER)
            await self._step(call, "ring_no_answer", agent_id=agent_id)
        if call.ringing:
            return
        call.state = next_call_state(call.state, CallEvent.RING_NO_ANSWER)
        self.router.enqueue(
            call_id=call.id,
            queue=call.queue,
            priority=call.priority,
            now=self.clock.now(),
            customer_id=call.customer_id,
            entered=call.entered,
            callback=call.callback,
        )
        await self._step(call, "queued", state=call.state, detail={"queue": call.queue})
        match = self.router.match_call(call.id, now=self.clock.now())
        if match is not None:
            await self._offer(match)

    # --- timers -------------------------------------------------------------------------
    async def tick(self) -> None:
        async with self._lock, writes.together(self):
            now = self.clock.now()
            for call in list(self.calls.values()):
                if (
                    call.state == CallState.RINGING
                    and call.ring_deadline is not None
                    and call.ring_deadline <= now
                    and call.ringing
                ):
                    await self._ring_no_answer(call, list(call.ringing))
                if call.consult or call.parties:
                    await parties.ring_timeouts(self, call, now)
            for agent in list(self.router.agents.values()):
                if (
                    agent.state == AgentState.WRAP_UP
                    and agent.wrap_up_deadline is not None
                    and agent.wrap_up_deadline <= now
                ):
                    call_id = agent.call_id
                    await self.agent_event(agent.id, AgentEvent.WRAP_UP_TIMEOUT)
                    if call_id:  # the call is recorded without a disposition
                        await writes.write(
                            self,
                            self.stores.wrap_up_timeout_write,
                            call_id=call_id,
                            agent_id=agent.id,
                            at=now,
                        )
            for waiting, target in self.router.overflow_due(now):
                call = self.calls.get(waiting.call_id)
                if call is None:
                    continue
                await self._step(call, "overflow", detail={"from": call.queue, "to": target})
                await self._enqueue(call, target)
            await self._match_all()

    # --- views for pages -------------------------------------------------------------
    def queue_figures(self) -> dict[str, dict[str, Any]]:
        now = self.clock.now()
        return {code: self.router.queue_figures(code, now) for code in self.router.queues}

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        from hotline.routing.switchboard.commands import execute

        return await execute(self, command)
