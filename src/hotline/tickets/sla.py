"""SLA deadlines from a policy's targets: plain Python, no database.

A policy gives up to four targets (first response, on site, resolution, closed loop), each
an amount in calendar hours, working hours or working days. Deadlines are computed once,
when the order opens, and stored on the order; pausing (pending customer) moves the
deadlines that were still ahead by the (working) time the pause lasted. Reports then read
stored deadlines, never the calculator.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from hotline.calendars.worktime import Target, TargetUnit
from hotline.tickets.clock import (
    add_working_time,
    target_deadline,
    uses_calendar,
    working_time_between,
)

__all__ = ["Deadlines", "Target", "TargetUnit", "Targets", "deadlines_after_pause", "deadlines_for"]


@dataclass(frozen=True)
class Targets:
    response: Target | None = None
    arrival: Target | None = None
    resolution: Target | None = None
    closure: Target | None = None
    # Warn the owner when this share of the resolution time has passed.
    warn_percent: int = 80

    KINDS: ClassVar[tuple[str, ...]] = ("response", "arrival", "resolution", "closure")


@dataclass(frozen=True)
class Deadlines:
    response: datetime.datetime | None = None
    arrival: datetime.datetime | None = None
    resolution: datetime.datetime | None = None
    closure: datetime.datetime | None = None
    warning: datetime.datetime | None = None
    # Some deadline crosses a year whose holiday schedule is not known yet.
    provisional: bool = False

    FIELDS: ClassVar[tuple[str, ...]] = ("response", "arrival", "resolution", "closure", "warning")


def deadlines_for(
    start: datetime.datetime, targets: Targets, calendar: Any | None = None
) -> Deadlines:
    """Every deadline of an order opened at ``start`` under ``targets``."""
    found: dict[str, Any] = {}
    provisional = False
    for kind in Targets.KINDS:
        target = getattr(targets, kind)
        if target is None:
            found[kind] = None
            continue
        found[kind], guessed = target_deadline(start, target, calendar)
        provisional = provisional or guessed
    warning = None
    resolution = targets.resolution
    if resolution is not None and found["resolution"] and 0 < targets.warn_percent < 100:
        cal = calendar if uses_calendar(resolution) else None
        span = working_time_between(start, found["resolution"], cal)
        warning = add_working_time(start, span * targets.warn_percent / 100, cal)
    return Deadlines(**found, warning=warning, provisional=provisional)


def shift_after_pause(
    deadline: datetime.datetime | None,
    *,
    paused_at: datetime.datetime,
    resumed_at: datetime.datetime,
    calendar: Any | None = None,
) -> datetime.datetime | None:
    """``deadline`` after a pause from ``paused_at`` to ``resumed_at``.

    A deadline already passed when the pause began stays where it was; otherwise the
    (working) time that was left at the pause is counted again from the resumption.
    """
    if deadline is None or deadline <= paused_at:
        return deadline
    remaining = working_time_between(paused_at, deadline, calendar)
    return add_working_time(resumed_at, remaining, calendar)


def deadlines_after_pause(
    deadlines: Deadlines,
    targets: Targets,
    *,
    paused_at: datetime.datetime,
    resumed_at: datetime.datetime,
    calendar: Any | None = None,
) -> Deadlines:
    changes = {}
    for name in Deadlines.FIELDS:
        target = getattr(targets, "resolution" if name == "warning" else name)
        cal = calendar if target is not None and uses_calendar(target) else None
        changes[name] = shift_after_pause(
            getattr(deadlines, name), paused_at=paused_at, resumed_at=resumed_at, calendar=cal
        )
    return replace(deadlines, **changes)


def met(done_at: datetime.datetime | None, deadline: datetime.datetime | None) -> bool | None:
    """Whether a target was met (``None`` if it has no deadline or is not reached yet)."""
    if deadline is None or done_at is None:
        return None
    return done_at <= deadline
