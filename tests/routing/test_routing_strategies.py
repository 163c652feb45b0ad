"""Each strategy picks the right agent in constructed cases (no database)."""

from __future__ import annotations

from hotline.routing.domain.agents import Agent, AgentEvent
from hotline.routing.domain.routing import QueueConfig, Router, Strategy, call_priority


def make_router(strategy: Strategy, agents: list[dict], **queue) -> Router:
    router = Router()
    router.add_queue(QueueConfig(code="q", skill="tv", strategy=strategy, **queue))
    for spec in agents:
        agent = Agent(id=spec["id"], skills=spec.get("skills", {"tv": 1}))
        agent.calls_today = spec.get("calls", 0)
        router.add_agent(agent)
        agent.apply(AgentEvent.LOGIN, now=0)
        router.agent_changed(agent)
        if spec.get("ready_at") is not None:
            agent.apply(AgentEvent.READY, now=spec["ready_at"])
            router.agent_changed(agent)
    return router


def reserve(router: Router, agent_id: int) -> None:
    agent = router.agents[agent_id]
    agent.apply(AgentEvent.OFFER, now=100, call_id="x")
    router.agent_changed(agent)


def test_longest_idle_picks_the_agent_ready_the_longest():
    router = make_router(
        Strategy.LONGEST_IDLE,
        [{"id": 1, "ready_at": 30}, {"id": 2, "ready_at": 10}, {"id": 3, "ready_at": 20}],
    )
    assert router.select_agents("q", now=50) == [2]
    reserve(router, 2)
    assert router.select_agents("q", now=50) == [3]


def test_fewest_calls_today_picks_the_least_busy_agent():
    router = make_router(
        Strategy.FEWEST_CALLS,
        [
            {"id": 1, "ready_at": 1, "calls": 5},
            {"id": 2, "ready_at": 2, "calls": 1},
            {"id": 3, "ready_at": 3, "calls": 3},
        ],
    )
    assert router.select_agents("q", now=50) == [2]


def test_skills_picks_the_highest_proficiency_and_skips_agents_below_the_minimum():
    router = make_router(
        Strategy.SKILLS,
        [
            {"id": 1, "ready_at": 1, "skills": {"tv": 2}},
            {"id": 2, "ready_at": 5, "skills": {"tv": 5}},
            {"id": 3, "ready_at": 0, "skills": {"tv": 1}},
            {"id": 4, "ready_at": 0, "skills": {"net": 5}},
        ],
        min_proficiency=2,
    )
    assert router.select_agents("q", now=50) == [2]
    reserve(router, 2)
    assert router.select_agents("q", now=50) == [1]
    reserve(router, 1)
    assert router.select_agents("q", now=50) == []  # 3 below the minimum, 4 lacks the skill


def test_round_robin_takes_turns():
    router = make_router(
        Strategy.ROUND_ROBIN,
        [{"id": 1, "ready_at": 5}, {"id": 2, "ready_at": 1}, {"id": 3, "ready_at": 9}],
    )
    served = []
    for now in range(3):
        (agent_id,) = router.select_agents("q", now=now)
        served.append(agent_id)
        agent = router.agents[agent_id]
        agent.apply(AgentEvent.OFFER, now=now, call_id="c")
        router.note_served(agent_id=agent_id, customer_id=None, now=now)
        agent.apply(AgentEvent.ANSWER, now=now)
        agent.apply(AgentEvent.CALL_ENDED, now=now, wrap_up_limit=0)
        agent.apply(AgentEvent.WRAP_UP_DONE, now=now)
        router.agent_changed(agent)
    assert served == [1, 2, 3]
    assert router.select_agents("q", now=10) == [1]


def test_sticky_prefers_the_last_agent_within_the_timeout_then_falls_back():
    router = make_router(
        Strategy.STICKY, [{"id": 1, "ready_at": 1}, {"id": 2, "ready_at": 5}], sticky_timeout=60
    )
    router.note_served(agent_id=2, customer_id=77, now=0)
    assert router.select_agents("q", now=30, customer_id=77) == [2]
    assert router.select_agents("q", now=61, customer_id=77) == [1]  # timed out
    reserve(router, 2)
    assert router.select_agents("q", now=30, customer_id=77) == [1]  # busy: longest idle


def test_ring_all_rings_every_ready_agent():
    router = make_router(
        Strategy.RING_ALL,
        [{"id": 1, "ready_at": 3}, {"id": 2, "ready_at": 1}, {"id": 3, "ready_at": None}],
    )
    assert router.select_agents("q", now=10) == [2, 1]


def test_a_call_is_offered_only_at_the_head_of_its_queue_by_priority_then_age():
    router = make_router(Strategy.LONGEST_IDLE, [{"id": 1, "ready_at": None}])
    router.enqueue(call_id="old", queue="q", priority=0, now=1)
    router.enqueue(call_id="vip", queue="q", priority=call_priority(vip_level=1), now=5)
    router.enqueue(call_id="repeat", queue="q", priority=call_priority(repeat_caller=True), now=3)
    assert [router.position(c) for c in ("vip", "repeat", "old")] == [1, 2, 3]
    agent = router.agents[1]
    agent.apply(AgentEvent.READY, now=6)
    router.agent_changed(agent)
    assert router.match_call("old", now=6) is None
    match = router.match_agent(1, now=6)
    assert match is not None and match.call_id == "vip" and match.agent_ids == (1,)
    assert router.position("repeat") == 1


def test_overflow_moves_a_call_keeping_its_original_entry_time():
    router = Router()
    router.add_queue(QueueConfig(code="a", skill="tv", overflow_after=30, overflow_to="b"))
    router.add_queue(QueueConfig(code="b", skill="net"))
    router.enqueue(call_id="c1", queue="a", priority=0, now=0)
    router.enqueue(call_id="c0", queue="b", priority=0, now=10)
    assert router.overflow_due(now=29) == []
    [(waiting, target)] = router.overflow_due(now=30)
    router.enqueue(
        call_id="c1", queue=target, priority=waiting.priority, now=30, entered=waiting.entered
    )
    assert router.position("c1") == 1  # it entered before c0 did


def test_a_callback_request_keeps_the_callers_place():
    router = make_router(Strategy.LONGEST_IDLE, [{"id": 1, "ready_at": None}])
    router.enqueue(call_id="first", queue="q", priority=0, now=0)
    router.enqueue(call_id="second", queue="q", priority=0, now=1)
    router.to_callback("first")
    assert router.position("first") == 1
    agent = router.agents[1]
    agent.apply(AgentEvent.READY, now=5)
    router.agent_changed(agent)
    match = router.match_agent(1, now=5)
    assert match.call_id == "first" and match.callback


def test_estimated_wait_grows_with_position_and_shrinks_with_staff():
    router = make_router(Strategy.LONGEST_IDLE, [{"id": 1, "ready_at": None}], avg_handle=120)
    for i in range(3):
        router.enqueue(call_id=f"c{i}", queue="q", priority=0, now=i)
    assert router.estimated_wait("c2") == 360
    router.add_agent(Agent(id=2, skills={"tv": 1}))
    agent = router.agents[2]
    agent.apply(AgentEvent.LOGIN, now=0)
    router.agent_changed(agent)
    assert router.estimated_wait("c2") == 180


def test_stale_heap_entries_are_compacted():
    router = make_router(Strategy.LONGEST_IDLE, [{"id": 1, "ready_at": 0}])
    agent = router.agents[1]
    for i in range(500):
        agent.apply(AgentEvent.NOT_READY, now=i, reason="break")
        agent.apply(AgentEvent.READY, now=i)
        router.agent_changed(agent)
    assert len(router.queues["q"].heap) < 100
    assert router.select_agents("q", now=600) == [1]
