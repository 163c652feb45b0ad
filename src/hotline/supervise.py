"""``hotline run``'s children kept running: a worker or demo BOSS that stops is started again.

In production each process is a systemd unit with ``Restart=always`` (docs/deploy.md). The
embedded set-up has no such supervisor, and a worker that died (a bug, the OOM killer)
would silently stop text messages, SLA timers and exports until the next restart. Here
``hotline run`` checks its children every second and starts a stopped one again, after
1 s, then 2, 4 … up to 30 s while it keeps stopping soon after its start.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

STEADY_S = 60.0  # running this long, a child that stops is restarted after the first delay
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0


class Process(Protocol):
    def poll(self) -> int | None: ...


class Supervised:
    """One child command, started again when it stops (``check``, called every second)."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        start: Callable[[list[str]], Any],
        now: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.name, self.command = name, list(command)
        self._start, self._now = start, now
        self._say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.process: Any = None
        self.started_at = 0.0
        self.delay = 0.0
        self.restart_at: float | None = None
        self.restarts = 0

    def start(self) -> Any:
        self.process = self._start(self.command)
        self.started_at = self._now()
        return self.process

    def check(self) -> None:
        code = self.process.poll() if self.process is not None else None
        if code is None:
            return
        now = self._now()
        if self.restart_at is None:
            steady = now - self.started_at >= STEADY_S
            self.delay = FIRST_DELAY_S if steady else min(MAX_DELAY_S, self.delay * 2 or 1)
            self.restart_at = now + self.delay
            self._say(
                f"hotline run: the {self.name} stopped (exit code {code}); "
                f"starting it again in {self.delay:.0f} s"
            )
        if now >= self.restart_at:
            self.restart_at = None
            self.restarts += 1
            self.start()


class Supervisor:
    """A thread that checks the children every ``every`` seconds until ``stop``."""

    def __init__(self, children: Sequence[Supervised], every: float = 1.0) -> None:
        self.children = list(children)
        self.every = every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.wait(self.every):
            for child in self.children:
                child.check()
