"""Browser pushes for call and agent events (after commit), and who may subscribe."""

from __future__ import annotations

from typing import Any

from hotline.events import Event
from hotline.ids import parse_id
from hotline.push.send import push_send

USE_DESKTOP = "routing.use_desktop"
SUPERVISE = "routing.supervise_agents"
LIVE_TOPIC = "switchboard.live"
QUEUES_TOPIC = "switchboard.queues"  # live queue figures: agents and supervisors


def push_call_event(event: Event) -> None:
    data = event.data
    agent_id = data.get("agent_id")
    kind = event.name.split(".", 1)[1]
    if kind in ("ringing", "consult_ringing", "conference_ringing"):
        if agent_id and "pop" in data:  # else the switchboard pushed it at ring time
            push_send(f"agent.{agent_id}", "call.offered", data["pop"])
    elif agent_id:
        push_send(
            f"agent.{agent_id}",
            "call.updated",
            {"call_id": data["call_id"], "kind": kind, "state": data.get("state")},
        )
    if kind in ("queued", "answered", "ended", "abandoned"):
        push_send(LIVE_TOPIC, "queue.changed", {"queue": data.get("queue"), "kind": kind})


def push_agent_state(event: Event) -> None:
    data = event.data
    push_send(f"agent.{data['agent_id']}", "agent.state", data)
    push_send(LIVE_TOPIC, "agent.state", data)


def agent_topic_allowed(user: Any, key: str) -> bool:
    """An agent's own topic; a supervisor may watch the agents of their scope."""
    if key == str(user.pk):
        return user.has_perm(USE_DESKTOP)
    if parse_id(key) is None or not user.has_perm(SUPERVISE):
        return False
    from hotline.routing.selectors import supervised_agents

    return supervised_agents(user).filter(pk=int(key)).exists()


def live_topic_allowed(user: Any, key: str) -> bool:
    if key == "queues":
        return user.has_perm(USE_DESKTOP) or user.has_perm(SUPERVISE)
    return key == "live" and user.has_perm(SUPERVISE)
