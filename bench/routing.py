"""In-process ACD routing decisions per second and their latency.

    python bench/routing.py [--decisions 200000] [--sizes 50,5000]

For each size: that many logged-in agents over 20 queues (one skill each; every agent has
3 skills with proficiency 1-5; strategies mixed: longest idle, fewest calls, skills,
round robin, sticky). Calls arrive at random queues; a decision is: enqueue the call, match
it to an agent (or leave it waiting), reserve the agent. About 80 % of agents stay busy:
the oldest busy agent finishes its call (answer, hang-up, wrap-up done) and its ready
transition may take a waiting call — also a timed decision. Throughput counts the whole
loop's wall time (releases included); latency is per decision.
Last line: {"runs": {"50": {"decisions_per_s": …, "p99_ms": …}, "5000": {…}}}.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hotline.routing.domain.agents import Agent, AgentEvent
from hotline.routing.domain.routing import QueueConfig, Router, Strategy

STRATEGIES = [
    Strategy.LONGEST_IDLE,
    Strategy.FEWEST_CALLS,
    Strategy.SKILLS,
    Strategy.ROUND_ROBIN,
    Strategy.STICKY,
]


def build(agents: int, rng: random.Random) -> Router:
    router = Router()
    for q in range(20):
        router.add_queue(
            QueueConfig(code=f"q{q}", skill=f"s{q}", strategy=STRATEGIES[q % len(STRATEGIES)])
        )
    for a in range(agents):
        skills = {f"s{s}": rng.randint(1, 5) for s in rng.sample(range(20), 3)}
        agent = Agent(id=a + 1, skills=skills)
        router.add_agent(agent)
        agent.apply(AgentEvent.LOGIN, now=0.0)
        agent.apply(AgentEvent.READY, now=rng.random())
        router.agent_changed(agent)
    return router


def run(agents: int, decisions: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    router = build(agents, rng)
    # The switchboard does the same after loading its state: the long-lived index is not
    # rescanned by every garbage collection.
    gc.collect()
    gc.freeze()
    busy: collections.deque[int] = collections.deque()
    limit = max(1, int(agents * 0.8))
    latencies: list[float] = []
    clock = 1.0
    serial = 0
    perf = time.perf_counter

    def reserve(match) -> None:  # type: ignore[no-untyped-def]
        for agent_id in match.agent_ids:
            agent = router.agents[agent_id]
            agent.apply(AgentEvent.OFFER, now=clock, call_id=match.call_id)
            router.agent_changed(agent)
            busy.append(agent_id)

    started = perf()
    while len(latencies) < decisions:
        clock += 0.001
        serial += 1
        t0 = perf()
        call_id = f"c{serial}"
        router.enqueue(
            call_id=call_id,
            queue=f"q{rng.randrange(20)}",
            priority=0,
            now=clock,
            customer_id=rng.randrange(100_000),
        )
        match = router.match_call(call_id, now=clock)
        if match is not None:
            reserve(match)
        latencies.append(perf() - t0)
        while len(busy) > limit or (busy and len(router.waiting) > agents):
            agent = router.agents[busy.popleft()]
            agent.apply(AgentEvent.ANSWER, now=clock)
            router.note_served(agent_id=agent.id, customer_id=None, now=clock)
            agent.apply(AgentEvent.CALL_ENDED, now=clock, wrap_up_limit=30)
            agent.apply(AgentEvent.WRAP_UP_DONE, now=clock)
            router.agent_changed(agent)
            t0 = perf()
            match = router.match_agent(agent.id, now=clock)
            if match is not None:
                reserve(match)
                latencies.append(perf() - t0)
    elapsed = perf() - started
    latencies.sort()
    p99 = latencies[max(0, math.ceil(0.99 * len(latencies)) - 1)]
    return {
        "decisions_per_s": round(len(latencies) / elapsed),
        "p99_ms": round(p99 * 1000, 4),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 4),
        "decisions": len(latencies),
        "waiting_at_end": len(router.waiting),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--sizes", default="50,5000")
    args = parser.parse_args()
    runs = {}
    for size in (int(s) for s in args.sizes.split(",")):
        runs[str(size)] = run(size, args.decisions)
        print(f"{size} agents: {runs[str(size)]}", file=sys.stderr)
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
