"""The agent state machine as an explicit transition table.

States and events are closed sets; ``AGENT_TRANSITIONS[(state, event)]`` is the next state
and any pair missing from the table is refused with ``InvalidTransition``. What an agent asks
for while busy (not ready, log out) is kept as ``pending`` and applied when wrap-up ends,
so a request never cuts a call and wrap-up never ends early because of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class AgentState(enum.StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"
    RESERVED = "reserved"  # offered a call, phone ringing
    TALKING = "talking"
    HOLDING = "holding"
    WRAP_UP = "wrap_up"


class AgentEvent(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    READY = "ready"
    NOT_READY = "not_ready"
    OFFER = "offer"  # the ACD reserves the agent and rings the phone
    ANSWER = "answer"
    RING_NO_ANSWER = "ring_no_answer"
    OFFER_CANCELLED = "offer_cancelled"  # caller hung up while ringing
    HOLD = "hold"
    UNHOLD = "unhold"
    CALL_ENDED = "call_ended"
    WRAP_UP_DONE = "wrap_up_done"
    WRAP_UP_TIMEOUT = "wrap_up_timeout"
    FORCE_RESET = "force_reset"  # watchdog / recovery: the agent is not on any call


S, E = AgentState, AgentEvent
BUSY = frozenset({S.RESERVED, S.TALKING, S.HOLDING})
ON_CALL = frozenset({S.TALKING, S.HOLDING})

AGENT_TRANSITIONS: dict[tuple[AgentState, AgentEvent], AgentState] = {
    (S.LOGGED_OUT, E.LOGIN): S.NOT_READY,
    (S.NOT_READY, E.READY): S.READY,
    (S.NOT_READY, E.NOT_READY): S.NOT_READY,  # change of reason
    (S.NOT_READY, E.LOGOUT): S.LOGGED_OUT,
    (S.READY, E.NOT_READY): S.NOT_READY,
    (S.READY, E.LOGOUT): S.LOGGED_OUT,
    (S.READY, E.OFFER): S.RESERVED,
    (S.RESERVED, E.ANSWER): S.TALKING,
    (S.RESERVED, E.RING_NO_ANSWER): S.NOT_READY,
    (S.RESERVED, E.OFFER_CANCELLED): S.READY,
    (S.TALKING, E.HOLD): S.HOLDING,
    (S.HOLDING, E.UNHOLD): S.TALKING,
    (S.TALKING, E.CALL_ENDED): S.WRAP_UP,
    (S.HOLDING, E.CALL_ENDED): S.WRAP_UP,
    (S.WRAP_UP, E.WRAP_UP_DONE): S.READY,
    (S.WRAP_UP, E.WRAP_UP_TIMEOUT): S.READY,
    (S.WRAP_UP, E.NOT_READY): S.NOT_READY,
    (S.WRAP_UP, E.LOGOUT): S.LOGGED_OUT,
}
# The watchdog or a restart may bring any busy agent back to not ready.
for _state in (*BUSY, S.WRAP_UP):
    AGENT_TRANSITIONS[(_state, E.FORCE_RESET)] = S.NOT_READY
# Asking for not ready / log out while on a call is accepted as pending (state unchanged).
PENDABLE = frozenset({E.NOT_READY, E.LOGOUT})


class InvalidTransition(ValueError):
    def __init__(self, state: AgentState, event: AgentEvent) -> None:
        super().__init__(f"agent in state {state} cannot take event {event}")
        self.state = state
        self.event = event


@dataclass(frozen=True)
class Change:
    """What a transition did, for the state log."""

    before: AgentState
    after: AgentState
    reason: str
    pending: bool = False  # the request was recorded for after the call


@dataclass
class Agent:
    """An agent's live state. ``epoch`` grows with every change so a timer that belongs to
    an earlier wrap-up (or offer) can tell it is stale and does nothing."""

    id: int
    skills: dict[str, int] = field(default_factory=dict)  # skill code -> proficiency 1..5
    state: AgentState = AgentState.LOGGED_OUT
    reason: str = ""
    since: float = 0.0
    epoch: int = 0
    call_id: str = ""
    calls_today: int = 0
    idle_since: float = 0.0
    pending: tuple[AgentEvent, str] | None = None
    wrap_up_deadline: float | None = None
    name: str = ""

    def apply(
        self,
        event: AgentEvent,
        *,
        now: float,
        reason: str = "",
        call_id: str = "",
        wrap_up_limit: float | None = None,
    ) -> Change:
        """Apply ``event``; return the change or raise ``InvalidTransition``."""
        before = self.state
        if event in PENDABLE and before in BUSY:
            self.pending = (event, reason)
            return Change(before, before, reason, pending=True)
        after = AGENT_TRANSITIONS.get((before, event))
        if after is None:
            raise InvalidTransition(before, event)
        if event == E.OFFER:
            self.call_id = call_id
        if after == S.WRAP_UP:
            self.calls_today += 1
            self.wrap_up_deadline = now + wrap_up_limit if wrap_up_limit is not None else None
        else:
            self.wrap_up_deadline = None
        if after in (S.READY, S.NOT_READY, S.LOGGED_OUT):
            self.call_id = ""
        if after == S.NOT_READY and event == E.RING_NO_ANSWER:
            reason = reason or "ring_no_answer"
        if after == S.READY:
            self.idle_since = now
            reason = ""
        # A request made during the call takes effect when the call's work is finished.
        if before == S.WRAP_UP and after == S.READY and self.pending is not None:
            pending_event, pending_reason = self.pending
            after = S.NOT_READY if pending_event == E.NOT_READY else S.LOGGED_OUT
            reason = pending_reason
        if after in (S.NOT_READY, S.LOGGED_OUT, S.READY):
            self.pending = None
        self.state = after
        self.reason = reason if after == S.NOT_READY else ""
        self.since = now
        self.epoch += 1
        return Change(before, after, self.reason)

    @property
    def available(self) -> bool:
        return self.state == AgentState.READY


def allowed_events(state: AgentState) -> list[AgentEvent]:
    """The events an agent in ``state`` may take (for the desktop's buttons)."""
    events = [event for (s, event) in AGENT_TRANSITIONS if s == state]
    if state in BUSY:
        events += [e for e in PENDABLE if e not in events]
    return events
