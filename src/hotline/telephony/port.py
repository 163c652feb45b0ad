"""The ``Switch`` port: what the switchboard asks of a telephone switch, and what it hears.

Shaped after Asterisk's ARI (Stasis application): the switch reports channels entering the
application, DTMF, answers and hang-ups; the switchboard answers channels, plays prompts,
starts music on hold, originates a channel to an agent's endpoint, bridges channels, holds,
redirects (blind transfer), snoops (listen / whisper / barge), records a bridge, hangs up.
Attended transfer and conference are built from the same pieces, as on Asterisk: the caller
is held, a second channel is originated, channels move between bridges (one bridge holds
the caller and any number of parties), the agent's channel leaves last.
An Asterisk adapter implements the same protocol against ARI's REST and WebSocket; the
simulated switch (``simulated.py``) implements it for the demo, the tests and the benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Spy = Literal["listen", "whisper", "barge"]


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    endpoint: str  # "PJSIP/13800000000" for a caller, "agent/<user id>" for an agent's phone
    caller: str
    state: str  # "ring", "up"


# --- events the switch reports (ARI: StasisStart, ChannelDtmfReceived, ...) ---------------
@dataclass(frozen=True)
class ChannelEntered:  # StasisStart of an inbound channel
    channel: str
    caller: str
    called: str


@dataclass(frozen=True)
class DtmfReceived:  # ChannelDtmfReceived; digit None: the collect timed out
    channel: str
    digit: str | None


@dataclass(frozen=True)
class ChannelAnswered:  # ChannelStateChange to Up
    channel: str


@dataclass(frozen=True)
class ChannelHungUp:  # ChannelHangupRequest / StasisEnd
    channel: str
    cause: str = "normal"


@dataclass(frozen=True)
class RecordingFinished:
    channel: str
    name: str
    path: str = ""
    duration: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


SwitchEvent = ChannelEntered | DtmfReceived | ChannelAnswered | ChannelHungUp | RecordingFinished


class Switch(Protocol):
    async def answer(self, channel: str) -> None: ...

    async def play(self, channel: str, text: str) -> None:
        """Play a prompt (ARI: POST /channels/{id}/play with a sound or TTS media)."""

    async def collect_dtmf(self, channel: str, timeout: float) -> None:
        """Report the next digit pressed, or ``DtmfReceived(digit=None)`` after ``timeout``."""

    async def start_music(self, channel: str) -> None: ...

    async def stop_music(self, channel: str) -> None: ...

    async def ring(self, endpoint: str, *, caller: str, timeout: float) -> str:
        """Originate a channel to ``endpoint`` (an agent's phone); return its id."""

    async def originate(self, number: str, *, caller: str, timeout: float) -> str:
        """Originate an outbound channel to ``number`` (callbacks, consulted or conferenced
        outside numbers); return its id. Unanswered after ``timeout``: ``ChannelHungUp``
        with cause ``no_answer``."""

    async def bridge(self, channels: list[str]) -> str:
        """Put channels in one mixing bridge; return the bridge id."""

    async def add_to_bridge(self, bridge: str, channels: list[str]) -> None:
        """Add channels to a bridge (ARI: POST /bridges/{id}/addChannel); a mixing bridge
        takes any number (a conference)."""

    async def remove_from_bridge(self, bridge: str, channels: list[str]) -> None:
        """Take channels out of a bridge, leaving them up (ARI: POST .../removeChannel)."""

    async def destroy_bridge(self, bridge: str) -> None:
        """ARI: DELETE /bridges/{id}; the channels still in it stay up, unbridged."""

    async def hold(self, channel: str) -> None:
        """ARI: POST /channels/{id}/hold (music on hold while the agent is away)."""

    async def unhold(self, channel: str) -> None: ...

    async def redirect(self, channel: str, endpoint: str) -> None:
        """Blind transfer (ARI: POST /channels/{id}/redirect)."""

    async def snoop(self, channel: str, *, endpoint: str, spy: Spy) -> str:
        """Supervisor on a channel: listen (spy in), whisper (whisper out) or barge (both)."""

    async def record(self, bridge: str, *, name: str) -> None: ...

    async def stop_record(self, name: str) -> None: ...

    async def hangup(self, channel: str, *, reason: str = "normal") -> None: ...

    async def channels(self) -> list[ChannelInfo]:
        """Every live channel (ARI: GET /channels), for the watchdog."""

    def events(self) -> object:
        """The asyncio queue the switch puts ``SwitchEvent``s on."""
