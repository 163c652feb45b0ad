from __future__ import annotations

import pytest

from hotline.routing.domain.calls import (
    CALL_TRANSITIONS,
    CallEvent,
    CallState,
    InvalidCallTransition,
    next_call_state,
)

C, V = CallState, CallEvent


def test_hang_up_before_an_agent_answers_is_an_abandonment():
    for state in (C.OFFERED, C.IVR, C.QUEUED, C.RINGING):
        assert next_call_state(state, V.CALLER_HANGUP) == C.ABANDONED


def test_hang_up_after_answer_ends_the_call():
    assert next_call_state(C.TALKING, V.CALLER_HANGUP) == C.ENDED
    assert next_call_state(C.HELD, V.AGENT_HANGUP) == C.ENDED


def test_final_states_take_no_events():
    for event in V:
        for state in (C.ENDED, C.ABANDONED):
            with pytest.raises(InvalidCallTransition):
                next_call_state(state, event)


def test_ring_no_answer_returns_the_call_to_its_queue():
    assert CALL_TRANSITIONS[(C.RINGING, V.RING_NO_ANSWER)] == C.QUEUED
