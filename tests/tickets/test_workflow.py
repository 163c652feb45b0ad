"""The workflow table: every transition allowed from its sources and refused elsewhere."""

from __future__ import annotations

import pytest
from django.utils import translation

from hotline.tickets.workflow import (
    OPEN_STATES,
    TRANSITIONS,
    IllegalTransition,
    State,
    allowed_actions,
    transition_for,
)

PAIRS = [(name, state) for name in TRANSITIONS for state in State.values]


@pytest.mark.parametrize(("action", "state"), PAIRS)
def test_each_transition_is_allowed_exactly_from_its_sources(action, state):
    transition = TRANSITIONS[action]
    if state in transition.sources:
        found, target = transition_for(action, state, paused_from=State.ACCEPTED)
        assert found is transition
        assert target in State.values
    else:
        with pytest.raises(IllegalTransition) as info:
            transition_for(action, state)
        assert info.value.state == state


def test_illegal_transition_names_both_states_in_the_users_language():
    with translation.override("en"), pytest.raises(IllegalTransition) as info:
        transition_for("accept", State.CLOSED)
    with translation.override("en"):
        message = info.value.message
    assert "Closed" in message and "Accepted" in message
    with translation.override("zh-hans"):
        message = IllegalTransition("accept", State.CLOSED, State.ACCEPTED).message
    assert "已关闭" in message and "已接单" in message


def test_unknown_action_is_refused_with_the_current_state():
    with pytest.raises(IllegalTransition) as info:
        transition_for("teleport", State.NEW)
    assert info.value.target is None
    assert "teleport" in info.value.message


def test_resume_returns_to_the_state_the_order_was_paused_from():
    _transition, target = transition_for(
        "resume", State.PENDING_CUSTOMER, paused_from=State.ON_SITE
    )
    assert target == State.ON_SITE


def test_the_happy_path_is_a_chain_of_allowed_transitions():
    state = State.NEW
    for action in ("dispatch", "accept", "arrive", "resolve", "verify", "close"):
        _t, state = transition_for(action, state)
    assert state == State.CLOSED
    assert allowed_actions(State.CLOSED) == [TRANSITIONS["reopen"]]


def test_final_states_are_not_open_and_every_open_state_can_be_cancelled():
    assert State.CLOSED not in OPEN_STATES and State.CANCELLED not in OPEN_STATES
    for state in OPEN_STATES:
        assert state in TRANSITIONS["cancel"].sources
