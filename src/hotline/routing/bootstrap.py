"""The switchboard's composition root: builds the switch adapter, the stores, the sync
boundary and the clock, hands them to the parts, and runs the loops (events, timers,
watchdog, demo traffic) until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from pathlib import Path
from typing import Any

from hotline.push.send import push_send
from hotline.routing import stores as default_stores
from hotline.routing.boundary import SyncBoundary
from hotline.routing.domain.agents import AgentState
from hotline.routing.subscribers import QUEUES_TOPIC
from hotline.routing.switchboard.core import Switchboard
from hotline.routing.switchboard.watchdog import reconcile
from hotline.telephony.clock import ScaledClock
from hotline.telephony.simulated import SimulatedSwitch

logger = logging.getLogger(__name__)
FIGURES_EVERY = 2.0  # seconds between two pushes of the queue figures, at most (to every desk)
FIGURES_DESKS_PER_S = 200  # … and fewer with more desks logged in: every push goes to each one
FIGURES_EVERY_MAX = 10.0


def figures_interval(logged_in: int) -> float:
    """Seconds between two pushes of the queue figures with ``logged_in`` desks: 2 s up to
    400 desks, then as many seconds as keep it near 200 desk messages a second, at most 10 s
    (the desks count waiting times on by themselves in between)."""
    return min(FIGURES_EVERY_MAX, max(FIGURES_EVERY, logged_in / FIGURES_DESKS_PER_S))


class SwitchboardService:
    def __init__(
        self,
        switchboard: Switchboard,
        *,
        tick: float = 0.1,
        watchdog: float = 5.0,
        traffic: Any = None,
    ) -> None:
        self.switchboard = switchboard
        self.tick_every = tick
        self.watchdog_every = watchdog
        self.traffic = traffic
        self.tasks: list[asyncio.Task] = []
        self._figures_key: dict[str, tuple] | None = None
        self._figures_at = -FIGURES_EVERY
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.switchboard.load()
        gc.collect()
        gc.freeze()  # the long-lived index is not rescanned by every collection
        self.tasks = [
            asyncio.create_task(self._consume(), name="switchboard-events"),
            asyncio.create_task(self._ticks(), name="switchboard-ticks"),
            asyncio.create_task(self._watchdog(), name="switchboard-watchdog"),
        ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks = []
        # What the switchboard handed to its writer is committed before the threads close.
        with contextlib.suppress(Exception):
            await self.switchboard.settle()
        await self.switchboard.writer.stop()
        await asyncio.get_running_loop().run_in_executor(None, self.switchboard.db.close)

    async def _consume(self) -> None:
        queue = self.switchboard.switch.events()
        while True:
            event = await queue.get()
            try:
                # Not waiting for the event's rows: the writer commits them, in order, while
                # the next event is handled.
                await self.switchboard.handle(event, wait=False)
            finally:
                queue.task_done()

    async def _ticks(self) -> None:
        switch = self.switchboard.switch
        while True:
            await asyncio.sleep(self.tick_every)
            try:
                if hasattr(switch, "tick"):
                    await switch.tick()
                if self.traffic is not None:
                    await self.traffic.tick()
                await self.switchboard.tick()
                await self._push_figures()
            except Exception:
                logger.exception("switchboard tick failed")

    async def _push_figures(self) -> None:
        """Live queue figures to the desktops and the team view, when they change (not the
        wait times, which the pages count on by themselves), at most every ``FIGURES_EVERY``."""
        now = time.monotonic()
        if now - self._figures_at < FIGURES_EVERY:
            return
        agents = self.switchboard.router.agents.values()
        logged_in = sum(1 for agent in agents if agent.state != AgentState.LOGGED_OUT)
        if now - self._figures_at < figures_interval(logged_in):
            return
        figures = self.switchboard.queue_figures()
        key = {code: (f["waiting"], f["staffed"], f["ready"]) for code, f in figures.items()}
        if key == self._figures_key:
            return
        self._figures_key, self._figures_at = key, now
        await self.switchboard.db.run(push_send, QUEUES_TOPIC, "queue.figures", {"queues": figures})

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(self.watchdog_every)
            try:
                fixed = await reconcile(self.switchboard)
                if any(fixed.values()):
                    logger.warning("switchboard watchdog repaired %s", fixed)
            except Exception:
                logger.exception("switchboard watchdog failed")


def build_switchboard(
    *, time_scale: float | None = None, stores: Any = None, switch: Any = None, clock: Any = None
) -> SwitchboardService:
    """The one place that chooses adapters (the Asterisk adapter will be chosen here)."""
    from django.conf import settings

    from hotline.routing.traffic import DemoTraffic

    clock = clock or ScaledClock(time_scale or settings.SWITCHBOARD["TIME_SCALE"])
    recordings = Path(settings.RECORDINGS_DIR)
    switch = switch or SimulatedSwitch(clock, recordings_dir=recordings)
    boundary = SyncBoundary(workers=settings.SWITCHBOARD["DB_THREADS"])
    switchboard = Switchboard(
        switch=switch, stores=stores or default_stores, boundary=boundary, clock=clock
    )
    traffic = DemoTraffic(switchboard) if isinstance(switch, SimulatedSwitch) else None
    return SwitchboardService(
        switchboard,
        tick=settings.SWITCHBOARD["TICK_MS"] / 1000,
        watchdog=settings.SWITCHBOARD["WATCHDOG_S"],
        traffic=traffic,
    )
