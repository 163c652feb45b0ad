"""The embedded set-up's channel layer: Channels' in-memory layer, swept once a second.

Channels' ``InMemoryChannelLayer`` sweeps out expired messages and group memberships on
every ``receive`` and every ``group_send``, walking every channel and every group each time.
Each open desk waits in ``receive`` on its own channel, so one push to a group of N desks
costs N × N steps: with 500 desks a quarter of the web process's time went to the sweep.

Messages live 60 s and group memberships a day; sweeping once a second instead finds the
same expired entries, at most a second later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY_S = 1.0


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    """``InMemoryChannelLayer`` whose expiry sweep runs at most once per ``sweep_every`` s."""

    def __init__(
        self,
        sweep_every: float = SWEEP_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sweep_every = sweep_every
        self.clock = clock
        self._next_sweep = float("-inf")

    def _clean_expired(self) -> None:
        now = self.clock()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_every
        super()._clean_expired()
