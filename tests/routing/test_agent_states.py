"""Every agent state transition, through the transition table (no database)."""

from __future__ import annotations

import pytest

from hotline.routing.domain.agents import (
    AGENT_TRANSITIONS,
    Agent,
    AgentEvent,
    AgentState,
    InvalidTransition,
    allowed_events,
)

S, E = AgentState, AgentEvent


def agent_in(state: AgentState) -> Agent:
    agent = Agent(id=1)
    path = {
        S.LOGGED_OUT: [],
        S.NOT_READY: [E.LOGIN],
        S.READY: [E.LOGIN, E.READY],
        S.RESERVED: [E.LOGIN, E.READY, E.OFFER],
        S.TALKING: [E.LOGIN, E.READY, E.OFFER, E.ANSWER],
        S.HOLDING: [E.LOGIN, E.READY, E.OFFER, E.ANSWER, E.HOLD],
        S.WRAP_UP: [E.LOGIN, E.READY, E.OFFER, E.ANSWER, E.CALL_ENDED],
    }[state]
    for event in path:
        agent.apply(event, now=0.0, call_id="c1", wrap_up_limit=30)
    assert agent.state == state
    return agent


@pytest.mark.parametrize(("state", "event"), sorted(AGENT_TRANSITIONS))
def test_every_table_transition_leads_where_the_table_says(state, event):
    agent = agent_in(state)
    change = agent.apply(event, now=5.0, reason="break", call_id="c2", wrap_up_limit=30)
    assert agent.state == AGENT_TRANSITIONS[(state, event)]
    assert change.before == state and change.after == agent.state


@pytest.mark.parametrize("state", list(S))
def test_events_outside_the_table_are_refused_and_change_nothing(state):
    for event in E:
        if (state, event) in AGENT_TRANSITIONS or event in allowed_events(state):
            continue
        agent = agent_in(state)
        epoch = agent.epoch
        with pytest.raises(InvalidTransition):
            agent.apply(event, now=1.0)
        assert agent.state == state and agent.epoch == epoch


def test_not_ready_keeps_its_reason_and_ready_clears_it():
    agent = agent_in(S.READY)
    agent.apply(E.NOT_READY, now=1.0, reason="meal")
    assert (agent.state, agent.reason) == (S.NOT_READY, "meal")
    agent.apply(E.READY, now=2.0)
    assert (agent.state, agent.reason, agent.idle_since) == (S.READY, "", 2.0)


def test_ring_no_answer_puts_the_agent_not_ready_with_that_reason():
    agent = agent_in(S.RESERVED)
    agent.apply(E.RING_NO_ANSWER, now=1.0)
    assert (agent.state, agent.reason) == (S.NOT_READY, "ring_no_answer")


def test_not_ready_asked_during_a_call_waits_for_the_end_of_wrap_up():
    agent = agent_in(S.TALKING)
    change = agent.apply(E.NOT_READY, now=1.0, reason="meeting")
    assert change.pending and agent.state == S.TALKING
    agent.apply(E.CALL_ENDED, now=2.0, wrap_up_limit=30)
    assert agent.state == S.WRAP_UP and agent.wrap_up_deadline == 32.0
    agent.apply(E.WRAP_UP_DONE, now=3.0)
    assert (agent.state, agent.reason) == (S.NOT_READY, "meeting")


def test_wrap_up_counts_the_call_and_sets_the_deadline_from_the_limit():
    agent = agent_in(S.WRAP_UP)
    assert agent.calls_today == 1 and agent.wrap_up_deadline == 30.0
    agent.apply(E.WRAP_UP_TIMEOUT, now=30.0)
    assert agent.state == S.READY and agent.wrap_up_deadline is None


def test_every_change_moves_the_epoch_so_old_timers_are_recognised():
    agent = agent_in(S.WRAP_UP)
    old = agent.epoch
    agent.apply(E.WRAP_UP_DONE, now=1.0)
    assert agent.epoch == old + 1


def test_force_reset_brings_a_busy_agent_back_to_not_ready():
    for state in (S.RESERVED, S.TALKING, S.HOLDING, S.WRAP_UP):
        agent = agent_in(state)
        agent.apply(E.FORCE_RESET, now=1.0, reason="recovered")
        assert (agent.state, agent.reason, agent.call_id) == (S.NOT_READY, "recovered", "")
