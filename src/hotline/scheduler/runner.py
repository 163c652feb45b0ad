"""The scheduler loop that runs beside the task worker in every ``hotline worker`` process."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

from hotline.scheduler.services import scheduler_tick, worker_heartbeat, worker_id

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10


class SchedulerThread(threading.Thread):
    """Heartbeat of this worker (always) and the scheduler's ticks (unless ``schedule`` is
    false): a worker without a heartbeat is dead, and its running tasks are re-queued."""

    def __init__(self, *, tick_seconds: float | None = None, schedule: bool = True) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.schedule = schedule
        self.tick_seconds = (
            tick_seconds if tick_seconds is not None else settings.SCHEDULER_TICK_MS / 1000
        )
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        last_heartbeat = 0.0
        while not self._stop_event.is_set():
            try:
                close_old_connections()
                if time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
                    worker_heartbeat()
                    last_heartbeat = time.monotonic()
                if self.schedule:
                    for name in scheduler_tick(worker=worker_id()):
                        logger.debug("scheduled %s", name)
            except Exception:
                # A locked database or a lost connection: the next tick tries again.
                logger.exception("scheduler tick failed")
            self._stop_event.wait(self.tick_seconds)
        connection.close()
