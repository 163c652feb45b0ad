"""The switchboard's live view of one call."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.routing.domain.calls import CallState
from hotline.routing.domain.ivr import IvrWalk


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
