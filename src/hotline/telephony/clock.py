"""Clocks shared by the simulated switch and the switchboard: real time, scaled, or manual."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch, as the site sees them (scaled in a fast simulation)."""

    def to_seconds(self, simulated: float) -> float:
        """How many real seconds ``simulated`` seconds take."""


class ScaledClock:
    """Real time (``scale=1``) or faster: a demo day in an hour with ``scale=24``."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self._wall = time.time()
        self._mono = time.monotonic()

    def now(self) -> float:
        return self._wall + (time.monotonic() - self._mono) * self.scale

    def to_seconds(self, simulated: float) -> float:
        return simulated / self.scale


class ManualClock:
    """For tests: time moves only when told to."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def to_seconds(self, simulated: float) -> float:
        return 0.0


def as_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
