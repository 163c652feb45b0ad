"""The simulated switch: callers, agents' phones and recordings, driven by a clock.

Callers follow a ``CallerScript`` (keys to press, patience while waiting, talk time); agents'
phones ring until the desktop's softphone answers them (or ``auto_answer`` for load tests).
Everything time-based is a timer on the switch's own heap, fired by ``tick()``, so a test
moves a ``ManualClock`` and ticks, and the demo runs in real time or faster.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotline.telephony.clock import Clock
from hotline.telephony.port import (
    ChannelAnswered,
    ChannelEntered,
    ChannelHungUp,
    ChannelInfo,
    DtmfReceived,
    RecordingFinished,
    Spy,
    SwitchEvent,
)
from hotline.telephony.recordings import write_wav


@dataclass
class CallerScript:
    keys: str = ""  # one key per menu, in order
    think: float = 2.0  # seconds before pressing a key
    patience: float = 180.0  # seconds before hanging up if no agent answered
    talk: float = 60.0  # seconds talking before the caller hangs up (if the agent hasn't)
    answer_callback: bool = True  # picks up when called back


@dataclass
class SimChannel:
    id: str
    endpoint: str
    caller: str
    state: str = "ring"
    bridge: str = ""
    music: bool = False
    held: bool = False
    script: CallerScript | None = None
    keys_left: str = ""
    answered_at: float | None = None
    prompts: list[str] = field(default_factory=list)


class SimulatedSwitch:
    def __init__(self, clock: Clock, *, recordings_dir: Path | None = None) -> None:
        self.clock = clock
        self.recordings_dir = recordings_dir
        self.queue: asyncio.Queue[SwitchEvent] = asyncio.Queue()
        self.live: dict[str, SimChannel] = {}
        self.bridges: dict[str, list[str]] = {}
        self.recording: dict[str, tuple[str, float, str]] = {}  # name -> bridge, start, channel
        self.auto_answer: dict[str, float] = {}  # endpoint -> seconds before answering
        self.snoops: list[tuple[str, str, Spy]] = []
        self.no_answer: set[str] = set()  # outside numbers that never pick up
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._ids = itertools.count(1)

    # --- plumbing ------------------------------------------------------------------------
    def events(self) -> asyncio.Queue[SwitchEvent]:
        return self.queue

    def _emit(self, event: SwitchEvent) -> None:
        self.queue.put_nowait(event)

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock.now() + seconds, next(self._ids), action))

    def next_timer(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    async def tick(self) -> None:
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            _due, _n, action = heapq.heappop(self._timers)
            action()

    def _new_channel(self, endpoint: str, caller: str) -> SimChannel:
        channel = SimChannel(id=f"sim-{next(self._ids)}", endpoint=endpoint, caller=caller)
        self.live[channel.id] = channel
        return channel

    # --- the callers' side (the simulation drives these) -----------------------------------
    def place_call(
        self, caller: str, called: str = "96655", script: CallerScript | None = None
    ) -> str:
        script = script or CallerScript()
        channel = self._new_channel(f"PJSIP/{caller}", caller)
        channel.script, channel.keys_left = script, script.keys
        self._emit(ChannelEntered(channel.id, caller, called))
        self._later(script.patience, lambda: self._lose_patience(channel.id))
        return channel.id

    def _lose_patience(self, channel_id: str) -> None:
        channel = self.live.get(channel_id)
        if channel is not None and not channel.bridge:
            self.caller_hangup(channel_id)

    def caller_hangup(self, channel_id: str) -> None:
        self._drop(channel_id, "caller")

    def phone_answer(self, endpoint_channel: str) -> None:
        """An agent's phone goes off-hook (the softphone's answer button)."""
        channel = self.live.get(endpoint_channel)
        if channel is not None and channel.state == "ring":
            channel.state = "up"
            channel.answered_at = self.clock.now()
            self._emit(ChannelAnswered(channel.id))

    def _drop(self, channel_id: str, cause: str) -> None:
        channel = self.live.pop(channel_id, None)
        if channel is None:
            return
        if channel.bridge:
            members = self.bridges.get(channel.bridge, [])
            if channel_id in members:
                members.remove(channel_id)
            for name, (bridge, _start, _ch) in list(self.recording.items()):
                if bridge == channel.bridge:
                    self._finish_recording(name)
        self._emit(ChannelHungUp(channel_id, cause))

    # --- the Switch port -----------------------------------------------------------------
    async def answer(self, channel: str) -> None:
        sim = self.live.get(channel)
        if sim is None:
            return
        if sim.endpoint.startswith("agent/"):
            self.phone_answer(channel)
        elif sim.state != "up":
            sim.state = "up"

    async def play(self, channel: str, text: str) -> None:
        sim = self.live.get(channel)
        if sim is not None:
            sim.prompts.append(text)

    async def collect_dtmf(self, channel: str, timeout: float) -> None:
        sim = self.live.get(channel)
        if sim is None or sim.script is None:
            return
        if sim.keys_left:
            key, sim.keys_left = sim.keys_left[0], sim.keys_left[1:]
            self._later(sim.script.think, lambda: self._press(channel, key))
        else:
            self._later(timeout, lambda: self._press(channel, None))

    def _press(self, channel: str, key: str | None) -> None:
        if channel in self.live:
            self._emit(DtmfReceived(channel, key))

    async def start_music(self, channel: str) -> None:
        if channel in self.live:
            self.live[channel].music = True

    async def stop_music(self, channel: str) -> None:
        if channel in self.live:
            self.live[channel].music = False

    async def ring(self, endpoint: str, *, caller: str, timeout: float) -> str:
        phone = self._new_channel(endpoint, caller)
        delay = self.auto_answer.get(endpoint)
        if delay is not None:
            self._later(delay, lambda: self.phone_answer(phone.id))
        return phone.id

    async def originate(self, number: str, *, caller: str, timeout: float) -> str:
        channel = self._new_channel(f"PJSIP/{number}", number)
        channel.script = CallerScript(talk=60.0)
        if number in self.no_answer:
            self._later(timeout, lambda: self._unanswered(channel.id))
        else:
            self._later(3.0, lambda: self.phone_answer(channel.id))
        return channel.id

    def _unanswered(self, channel_id: str) -> None:
        channel = self.live.get(channel_id)
        if channel is not None and channel.state == "ring":
            self._drop(channel_id, "no_answer")

    async def bridge(self, channels: list[str]) -> str:
        bridge_id = f"bridge-{next(self._ids)}"
        for channel_id in channels:
            old = self.live[channel_id].bridge if channel_id in self.live else ""
            if old:
                await self.remove_from_bridge(old, [channel_id])
        self.bridges[bridge_id] = list(channels)
        for channel_id in channels:
            sim = self.live.get(channel_id)
            if sim is None:
                continue
            sim.bridge, sim.music, sim.state = bridge_id, False, "up"
            if sim.script is not None:
                talk = sim.script.talk
                self._later(talk, lambda c=channel_id: self._talk_over(c))
        return bridge_id

    async def add_to_bridge(self, bridge: str, channels: list[str]) -> None:
        members = self.bridges.setdefault(bridge, [])
        for channel_id in channels:
            sim = self.live.get(channel_id)
            if sim is None:
                continue
            if sim.bridge and sim.bridge != bridge:  # a channel is in one bridge at a time
                await self.remove_from_bridge(sim.bridge, [channel_id])
            if channel_id not in members:
                members.append(channel_id)
            sim.bridge, sim.music, sim.state = bridge, False, "up"

    async def remove_from_bridge(self, bridge: str, channels: list[str]) -> None:
        members = self.bridges.get(bridge, [])
        for channel_id in channels:
            if channel_id in members:
                members.remove(channel_id)
            sim = self.live.get(channel_id)
            if sim is not None and sim.bridge == bridge:
                sim.bridge = ""

    async def destroy_bridge(self, bridge: str) -> None:
        for channel_id in self.bridges.pop(bridge, []):
            sim = self.live.get(channel_id)
            if sim is not None and sim.bridge == bridge:
                sim.bridge = ""

    def _talk_over(self, channel_id: str) -> None:
        sim = self.live.get(channel_id)
        if sim is not None and sim.bridge and not sim.held:
            self.caller_hangup(channel_id)
        elif sim is not None and sim.held:
            self._later(10.0, lambda: self._talk_over(channel_id))

    async def hold(self, channel: str) -> None:
        if channel in self.live:
            self.live[channel].held = True
            self.live[channel].music = True

    async def unhold(self, channel: str) -> None:
        if channel in self.live:
            self.live[channel].held = False
            self.live[channel].music = False

    async def redirect(self, channel: str, endpoint: str) -> None:
        # The caller leaves our application for an outside number: its channel ends here.
        self._drop(channel, "transferred")

    async def snoop(self, channel: str, *, endpoint: str, spy: Spy) -> str:
        supervisor = self._new_channel(endpoint, "snoop")
        supervisor.state = "up"
        self.snoops.append((channel, supervisor.id, spy))
        return supervisor.id

    async def record(self, bridge: str, *, name: str) -> None:
        members = self.bridges.get(bridge, [])
        self.recording[name] = (bridge, self.clock.now(), members[0] if members else "")

    async def stop_record(self, name: str) -> None:
        self._finish_recording(name)

    def _finish_recording(self, name: str) -> None:
        entry = self.recording.pop(name, None)
        if entry is None:
            return
        _bridge, start, channel = entry
        seconds = self.clock.now() - start
        path = ""
        if self.recordings_dir is not None:
            target = self.recordings_dir / f"{name}.wav"
            seconds = write_wav(target, seconds, seed=len(name))
            path = target.name
        self._emit(RecordingFinished(channel, name, path, seconds))

    async def hangup(self, channel: str, *, reason: str = "normal") -> None:
        self._drop(channel, reason)

    async def channels(self) -> list[ChannelInfo]:
        return [ChannelInfo(c.id, c.endpoint, c.caller, c.state) for c in self.live.values()]

    # --- faults, for the watchdog's tests ------------------------------------------------
    def lose_channel(self, channel_id: str) -> None:
        """The switch forgets a channel without telling anyone (a lost hang-up event)."""
        self.live.pop(channel_id, None)
