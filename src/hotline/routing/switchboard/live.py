"""The switchboard's live view of one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotline.audit.masking import mask_phone
from hotline.routing.domain.calls import CallState
from hotline.routing.domain.ivr import IvrWalk


@dataclass
class Leg:
    """A third party on a call: the agent or outside number an agent consults (attended
    transfer) or adds to a conference. ``bridge`` is the consultation's own bridge."""

    channel: str
    agent_id: int | None = None
    number: str = ""
    answered: bool = False
    deadline: float | None = None
    bridge: str = ""

    def target(self) -> dict[str, object]:
        return {"agent": self.agent_id, "number": self.number}


@dataclass
class LiveCall:
    id: str
    channel: str  # the caller's channel ("" for a callback not yet dialled)
    caller: str
    called: str = ""
    state: CallState = CallState.OFFERED
    customer_id: int | None = None
    priority: int = 0
    queue: str = ""
    entered: float | None = None  # first entry into a queue (kept by overflow, callbacks)
    ivr: IvrWalk | None = None
    agent_id: int | None = None
    agent_channel: str = ""
    ringing: dict[int, str] = field(default_factory=dict)  # agent -> phone channel
    ring_deadline: float | None = None
    bridge: str = ""
    callback: bool = False  # an outbound call back to a caller who kept their place
    callback_attempts: int = 0
    answered_at: float | None = None
    started: float = 0.0
    snoops: dict[int, str] = field(default_factory=dict)  # supervisor -> their spy channel
    consult: Leg | None = None  # the party the agent is consulting, the caller on hold
    parties: dict[str, Leg] = field(default_factory=dict)  # conference: channel -> party
    # The caller's customer as read when the call came in (id, name, VIP level, region), so
    # the screen pop is built from memory at ring time; ``identified`` is False for a call
    # rebuilt after a restart, whose pop is then read from the database.
    customer: dict[str, Any] | None = None
    identified: bool = False

    def pop(self, *, offered_at: float) -> dict[str, Any]:
        """The screen pop before the agent's scope is applied (``stores.pop_customer_for``)."""
        return {
            "call_id": self.id,
            "number": mask_phone(self.caller),
            "queue": self.queue,
            "ivr_path": [dict(step) for step in self.ivr.path] if self.ivr is not None else [],
            "priority": self.priority,
            "direction": "in",
            "customer": self.customer,
            "consult": False,
            "offered_at": offered_at,
        }

    def legs(self) -> list[Leg]:
        return [*([self.consult] if self.consult else []), *self.parties.values()]

    def leg_of(self, agent_id: int) -> Leg | None:
        return next((leg for leg in self.legs() if leg.agent_id == agent_id), None)

    def leg_on(self, channel: str) -> Leg | None:
        return next((leg for leg in self.legs() if leg.channel == channel), None)
