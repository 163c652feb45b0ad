"""Call states as an explicit transition table (a call seen by the switchboard)."""

from __future__ import annotations

import enum


class CallState(enum.StrEnum):
    OFFERED = "offered"  # the switch reported a new inbound channel
    IVR = "ivr"
    QUEUED = "queued"
    RINGING = "ringing"  # offered to an agent
    TALKING = "talking"
    HELD = "held"
    CALLBACK = "callback"  # the caller hung up and kept their place for a callback
    ENDED = "ended"
    ABANDONED = "abandoned"


class CallEvent(enum.StrEnum):
    ENTER_IVR = "enter_ivr"
    ENQUEUE = "enqueue"
    RING = "ring"
    ANSWER = "answer"
    RING_NO_ANSWER = "ring_no_answer"  # back to the queue
    HOLD = "hold"
    UNHOLD = "unhold"
    TRANSFER = "transfer"  # blind transfer to a queue: back in a queue
    CALLBACK_REQUESTED = "callback_requested"
    CALLER_HANGUP = "caller_hangup"
    AGENT_HANGUP = "agent_hangup"
    SYSTEM_END = "system_end"  # crash recovery, watchdog, IVR end of flow


C, V = CallState, CallEvent
FINAL = frozenset({C.ENDED, C.ABANDONED})

CALL_TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (C.OFFERED, V.ENTER_IVR): C.IVR,
    (C.OFFERED, V.ENQUEUE): C.QUEUED,
    (C.OFFERED, V.RING): C.RINGING,  # outbound callback straight to an agent
    (C.IVR, V.ENQUEUE): C.QUEUED,
    (C.IVR, V.CALLBACK_REQUESTED): C.CALLBACK,
    (C.QUEUED, V.RING): C.RINGING,
    (C.QUEUED, V.ENQUEUE): C.QUEUED,  # overflow to another queue
    (C.QUEUED, V.CALLBACK_REQUESTED): C.CALLBACK,
    (C.RINGING, V.ANSWER): C.TALKING,
    (C.RINGING, V.RING_NO_ANSWER): C.QUEUED,
    (C.TALKING, V.HOLD): C.HELD,
    (C.HELD, V.UNHOLD): C.TALKING,
    (C.TALKING, V.TRANSFER): C.QUEUED,
    (C.HELD, V.TRANSFER): C.QUEUED,
    (C.TALKING, V.CALLER_HANGUP): C.ENDED,
    (C.TALKING, V.AGENT_HANGUP): C.ENDED,
    (C.HELD, V.CALLER_HANGUP): C.ENDED,
    (C.HELD, V.AGENT_HANGUP): C.ENDED,
    (C.CALLBACK, V.SYSTEM_END): C.ENDED,
}
# Before an agent answers, a caller's hang-up is an abandonment.
for _state in (C.OFFERED, C.IVR, C.QUEUED, C.RINGING):
    CALL_TRANSITIONS[(_state, V.CALLER_HANGUP)] = C.ABANDONED
for _state in (C.OFFERED, C.IVR, C.QUEUED, C.RINGING, C.TALKING, C.HELD):
    CALL_TRANSITIONS.setdefault((_state, V.SYSTEM_END), C.ENDED)


class InvalidCallTransition(ValueError):
    pass


def next_call_state(state: CallState, event: CallEvent) -> CallState:
    after = CALL_TRANSITIONS.get((state, event))
    if after is None:
        raise InvalidCallTransition(f"call in state {state} cannot take event {event}")
    return after
