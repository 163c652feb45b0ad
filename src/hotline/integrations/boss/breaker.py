"""A circuit breaker: stop calling a system that keeps failing, try again after a cool-down.

closed ──N consecutive failures──► open ──cool-down passed──► half-open (one trial call)
  ▲                                  ▲                              │
  └────────── trial succeeds ────────┼──────────────────────────────┤
                                     └──────── trial fails ─────────┘

Pure Python, thread-safe, with an injectable clock; one breaker per BOSS per process
(``breaker_for``), so every request thread of a web process sees the same state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold: must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False
        self._trial_started = 0.0

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == OPEN and self._cooled_down():
                return HALF_OPEN
            return self._state

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_seconds

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call at a time may."""
        with self._lock:
            if self._state == CLOSED:
                return True
            if self._state == OPEN:
                if not self._cooled_down():
                    return False
                self._state = HALF_OPEN
                self._trial_running = False
            # A trial that never reported back (its thread died) does not block for ever.
            if self._trial_running and self._clock() - self._trial_started < self.reset_seconds:
                return False
            self._trial_running = True
            self._trial_started = self._clock()
            return True

    def record_success(self) -> None:
        with self._lock:
            self._state = CLOSED
            self._failures = 0
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._trial_running = False
            if self._state == HALF_OPEN:
                self._open()
                return
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _open(self) -> None:
        self._state = OPEN
        self._opened_at = self._clock()
        self._failures = 0


_breakers: dict[tuple, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(
    key: str,
    *,
    failure_threshold: int,
    reset_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> CircuitBreaker:
    """The process-wide breaker for the system at ``key`` (its base URL) with these settings."""
    ident = (key, failure_threshold, reset_seconds, clock)
    with _breakers_lock:
        breaker = _breakers.get(ident)
        if breaker is None:
            breaker = _breakers[ident] = CircuitBreaker(
                failure_threshold=failure_threshold, reset_seconds=reset_seconds, clock=clock
            )
        return breaker


def breakers_reset() -> None:
    """Forget every breaker (tests, and a configuration reload)."""
    with _breakers_lock:
        _breakers.clear()
