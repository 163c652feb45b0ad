"""Queues and the ACD: who gets the next call, which call an agent gets next.

Selection cost does not grow with the number of agents: each queue keeps a heap of its
ready agents ordered by the queue's strategy. Entries are never searched for; an entry
carries the agent's ``epoch`` when it was pushed and is dropped when it surfaces stale
(the agent changed state since), and a heap is rebuilt when stale entries outnumber live
ones. Ring-all is the exception by design: it rings every ready agent of a small team.

Waiting calls are kept per queue in priority order (higher priority first, then the time
they first entered any queue), so an overflowed call or a callback request keeps its place.
"""

from __future__ import annotations

import bisect
import enum
import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from hotline.routing.domain.agents import Agent, AgentState


class Strategy(enum.StrEnum):
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    SKILLS = "skills"  # highest proficiency first, then longest idle
    ROUND_ROBIN = "round_robin"
    STICKY = "sticky"  # the agent who last served this customer, else longest idle
    RING_ALL = "ring_all"


@dataclass
class QueueConfig:
    code: str
    skill: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    min_proficiency: int = 1
    overflow_after: float | None = None  # seconds waited in this queue
    overflow_to: str | None = None
    sticky_timeout: float = 24 * 3600.0
    avg_handle: float = 180.0  # seconds, for the estimated wait
    ring_timeout: float = 20.0
    wrap_up_limit: float = 60.0


@dataclass
class Waiting:
    call_id: str
    queue: str
    priority: int
    entered: float  # first entry into any queue: overflow and callbacks keep it
    queued_here: float
    customer_id: int | None = None
    callback: bool = False
    seq: int = 0

    @property
    def key(self) -> tuple[int, float, int]:
        return (-self.priority, self.entered, self.seq)


@dataclass(frozen=True)
class Match:
    call_id: str
    queue: str
    agent_ids: tuple[int, ...]
    callback: bool = False


def call_priority(*, vip_level: int = 0, repeat_caller: bool = False, ivr_priority: int = 0) -> int:
    """Higher is served first: VIP level weighs most, then a repeat caller, then the IVR
    choice's own priority."""
    return vip_level * 100 + (50 if repeat_caller else 0) + ivr_priority


@dataclass
class _QueueIndex:
    config: QueueConfig
    heap: list[tuple] = field(default_factory=list)
    eligible: set[int] = field(default_factory=set)
    staffed: set[int] = field(default_factory=set)  # logged in
    ready: set[int] = field(default_factory=set)
    waiting: list[tuple[tuple[int, float, int], str]] = field(default_factory=list)


class Router:
    """The ACD's in-memory index of agents and waiting calls."""

    def __init__(self) -> None:
        self.agents: dict[int, Agent] = {}
        self.queues: dict[str, _QueueIndex] = {}
        self.waiting: dict[str, Waiting] = {}
        self._queues_of_skill: dict[str, list[str]] = {}
        self._queues_of_agent: dict[int, list[str]] = {}
        self._last_agent: dict[int, tuple[int, float]] = {}  # customer -> (agent, at)
        self._rr_turn: dict[int, int] = {}
        self._turns = itertools.count(1)
        self._seq = itertools.count(1)

    # --- configuration -------------------------------------------------------------------
    def add_queue(self, config: QueueConfig) -> None:
        self.queues[config.code] = _QueueIndex(config)
        self._queues_of_skill.setdefault(config.skill, []).append(config.code)
        for agent in self.agents.values():
            self._index_agent(agent)

    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.id] = agent
        self._index_agent(agent)
        self.agent_changed(agent)

    def _index_agent(self, agent: Agent) -> None:
        codes = []
        for skill, level in agent.skills.items():
            for code in self._queues_of_skill.get(skill, ()):
                if level >= self.queues[code].config.min_proficiency:
                    codes.append(code)
                    self.queues[code].eligible.add(agent.id)
        self._queues_of_agent[agent.id] = codes

    def queues_of(self, agent_id: int) -> list[str]:
        return self._queues_of_agent.get(agent_id, [])

    # --- agents ----------------------------------------------------------------------------
    def _key(self, index: _QueueIndex, agent: Agent) -> tuple:
        strategy = index.config.strategy
        if strategy == Strategy.FEWEST_CALLS:
            return (agent.calls_today, agent.idle_since, agent.id)
        if strategy == Strategy.SKILLS:
            return (-agent.skills.get(index.config.skill, 0), agent.idle_since, agent.id)
        if strategy == Strategy.ROUND_ROBIN:
            return (self._rr_turn.get(agent.id, 0), agent.id)
        return (agent.idle_since, agent.id)

    def agent_changed(self, agent: Agent) -> None:
        """Call after every state change of ``agent``: keeps the heaps and staffing true."""
        for code in self._queues_of_agent.get(agent.id, ()):
            index = self.queues[code]
            if agent.state == AgentState.LOGGED_OUT:
                index.staffed.discard(agent.id)
            else:
                index.staffed.add(agent.id)
            if agent.state == AgentState.READY:
                index.ready.add(agent.id)
            else:
                index.ready.discard(agent.id)
            if agent.state == AgentState.READY:
                heapq.heappush(index.heap, (*self._key(index, agent), agent.epoch, agent.id))
                if len(index.heap) > 4 * len(index.eligible) + 64:
                    self._rebuild(index)

    def _rebuild(self, index: _QueueIndex) -> None:
        index.heap = [
            (*self._key(index, self.agents[a]), self.agents[a].epoch, a)
            for a in index.eligible
            if self.agents[a].state == AgentState.READY
        ]
        heapq.heapify(index.heap)

    def _live(self, entry: tuple) -> Agent | None:
        agent = self.agents.get(entry[-1])
        if agent is None or agent.state != AgentState.READY or agent.epoch != entry[-2]:
            return None
        return agent

    def _peek(self, index: _QueueIndex) -> Agent | None:
        heap = index.heap
        while heap:
            agent = self._live(heap[0])
            if agent is not None:
                return agent
            heapq.heappop(heap)
        return None

    def ready_agents(self, code: str) -> list[Agent]:
        """Every ready agent of the queue, longest idle first (linear: for ring-all teams)."""
        agents = [self.agents[a] for a in self.queues[code].ready]
        return sorted(agents, key=lambda agent: (agent.idle_since, agent.id))

    def select_agents(self, code: str, *, now: float, customer_id: int | None = None) -> list[int]:
        """The agent(s) the queue's strategy picks now; empty when nobody is ready."""
        index = self.queues[code]
        strategy = index.config.strategy
        if strategy == Strategy.RING_ALL:
            return [agent.id for agent in self.ready_agents(code)]
        if strategy == Strategy.STICKY and customer_id is not None:
            last = self._last_agent.get(customer_id)
            if last is not None and now - last[1] <= index.config.sticky_timeout:
                agent = self.agents.get(last[0])
                if agent is not None and agent.available and agent.id in index.eligible:
                    return [agent.id]
        agent = self._peek(index)
        return [agent.id] if agent is not None else []

    def note_served(self, *, agent_id: int, customer_id: int | None, now: float) -> None:
        """An agent answered: remember them for sticky routing and round-robin turns."""
        if customer_id is not None:
            self._last_agent[customer_id] = (agent_id, now)
        self._rr_turn[agent_id] = next(self._turns)

    # --- waiting calls ---------------------------------------------------------------------
    def enqueue(
        self,
        *,
        call_id: str,
        queue: str,
        priority: int,
        now: float,
        customer_id: int | None = None,
        entered: float | None = None,
        callback: bool = False,
    ) -> Waiting:
        self.dequeue(call_id)
        waiting = Waiting(
            call_id=call_id,
            queue=queue,
            priority=priority,
            entered=now if entered is None else entered,
            queued_here=now,
            customer_id=customer_id,
            callback=callback,
            seq=next(self._seq),
        )
        self.waiting[call_id] = waiting
        bisect.insort(self.queues[queue].waiting, (waiting.key, call_id))
        return waiting

    def dequeue(self, call_id: str) -> Waiting | None:
        waiting = self.waiting.pop(call_id, None)
        if waiting is not None:
            lst = self.queues[waiting.queue].waiting
            i = bisect.bisect_left(lst, (waiting.key, call_id))
            if i < len(lst) and lst[i][1] == call_id:
                del lst[i]
        return waiting

    def to_callback(self, call_id: str) -> Waiting | None:
        """The caller hung up asking to be called back: the entry keeps its place."""
        waiting = self.waiting.get(call_id)
        if waiting is not None:
            waiting.callback = True
        return waiting

    def position(self, call_id: str) -> int:
        waiting = self.waiting[call_id]
        lst = self.queues[waiting.queue].waiting
        return bisect.bisect_left(lst, (waiting.key, call_id)) + 1

    def estimated_wait(self, call_id: str) -> float:
        waiting = self.waiting[call_id]
        index = self.queues[waiting.queue]
        return self.position(call_id) * index.config.avg_handle / max(1, len(index.staffed))

    def queue_figures(self, code: str, now: float) -> dict[str, float | int]:
        index = self.queues[code]
        # The head is the highest priority; the longest wait may be further down.
        entered = min((self.waiting[c].entered for _key, c in index.waiting), default=now)
        oldest = now - entered
        return {
            "waiting": len(index.waiting),
            "staffed": len(index.staffed),
            "ready": len(index.ready),
            "oldest_wait": round(oldest, 1),
        }

    def overflow_due(self, now: float) -> list[tuple[Waiting, str]]:
        """Waiting calls that waited past their queue's limit, with the queue to move to."""
        due = []
        for index in self.queues.values():
            limit, target = index.config.overflow_after, index.config.overflow_to
            if limit is None or not target or target not in self.queues:
                continue
            for _key, call_id in index.waiting:
                waiting = self.waiting[call_id]
                if not waiting.callback and now - waiting.queued_here >= limit:
                    due.append((waiting, target))
        return due

    # --- matching --------------------------------------------------------------------------
    def match_call(self, call_id: str, *, now: float) -> Match | None:
        """Offer a waiting call to the agent(s) chosen, if the call is at its queue's head
        (a call never jumps a higher-priority or older call of the same queue)."""
        waiting = self.waiting.get(call_id)
        if waiting is None:
            return None
        index = self.queues[waiting.queue]
        if not index.waiting or index.waiting[0][1] != call_id:
            return None
        agents = self.select_agents(waiting.queue, now=now, customer_id=waiting.customer_id)
        if not agents:
            return None
        self.dequeue(call_id)
        return Match(call_id, waiting.queue, tuple(agents), waiting.callback)

    def match_agent(self, agent_id: int, *, now: float) -> Match | None:
        """An agent became ready: the best head-of-queue call among the agent's queues, if
        the strategy of that queue would pick this agent."""
        best: Waiting | None = None
        for code in self._queues_of_agent.get(agent_id, ()):
            lst = self.queues[code].waiting
            if lst:
                head = self.waiting[lst[0][1]]
                if best is None or head.key < best.key:
                    best = head
        if best is None:
            return None
        chosen = self.select_agents(best.queue, now=now, customer_id=best.customer_id)
        if agent_id not in chosen:
            return None
        self.dequeue(best.call_id)
        return Match(best.call_id, best.queue, tuple(chosen), best.callback)

    def match_all(self, *, now: float) -> Iterator[Match]:
        """Drain every queue's head while agents are free (after a restart, an overflow).
        The caller must reserve each match's agents before asking for the next one."""
        for code in list(self.queues):
            while True:
                lst = self.queues[code].waiting
                if not lst:
                    break
                match = self.match_call(lst[0][1], now=now)
                if match is None:
                    break
                yield match
