"""The periodic jobs, registered by each app from its ``AppConfig.ready``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task taking ``period_start`` (ISO string) as keyword
    every: timedelta

    @property
    def interval(self) -> timedelta:
        """``every``, unless settings override it (``HOTLINE_SCHEDULE`` name=seconds)."""
        seconds = settings.SCHEDULER_OVERRIDES.get(self.name)
        return timedelta(seconds=seconds) if seconds else self.every


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, task: Any, *, every: timedelta) -> None:
    if every < timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")
    _jobs[name] = PeriodicJob(name=name, task=task, every=every)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)
