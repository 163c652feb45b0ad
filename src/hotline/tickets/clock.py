"""Where SLA arithmetic meets the business calendar: the only module that calls it.

``calendar_for(name)`` finds the business calendar a policy names (the default one when
empty; ``None`` if there is none). ``target_deadline`` turns an SLA target into a deadline and
says whether it is *provisional*: computed across a year whose official holiday schedule is
not entered yet (weekends only), so it is flagged and recomputed once the year is entered,
never silently trusted. ``add_working_time``/``working_time_between`` with
``calendar=None`` mean wall-clock time.
"""

from __future__ import annotations

import datetime
from typing import Any

from hotline.calendars import worktime
from hotline.calendars.worktime import Calendar, HolidayYearMissing, Target, TargetUnit


def calendar_for(name: str = "") -> Calendar | None:
    """The business calendar called ``name`` (the default one if empty), or ``None``."""
    from hotline.calendars.selectors import CalendarNotFound, get_calendar

    try:
        return get_calendar(name or None)
    except CalendarNotFound:
        return None


def uses_calendar(target: Target) -> bool:
    return target.unit != TargetUnit.HOURS


def target_deadline(
    start: datetime.datetime, target: Target, calendar: Calendar | None
) -> tuple[datetime.datetime, bool]:
    """(deadline, provisional) for ``target`` counted from ``start``.

    Calendar hours never need the calendar. A working-time target on a year without its
    holiday schedule is computed on weekends alone and marked provisional; without any
    business calendar it runs on wall-clock time (8 h a working day), also provisional.
    """
    if not uses_calendar(target):
        return start + datetime.timedelta(hours=target.amount), False
    if calendar is None:
        hours = target.amount * (8 if target.unit == TargetUnit.WORKING_DAYS else 1)
        return start + datetime.timedelta(hours=hours), True
    try:
        return worktime.deadline(start, target, calendar, strict=True), False
    except HolidayYearMissing:
        return worktime.deadline(start, target, calendar, strict=False), True


def add_working_time(
    start: datetime.datetime, duration: datetime.timedelta, calendar: Any | None
) -> datetime.datetime:
    """The moment ``duration`` of working time after ``start`` (wall-clock if no calendar)."""
    if calendar is None:
        return start + duration
    return worktime.add_working_time(start, duration, calendar)


def working_time_between(
    start: datetime.datetime, end: datetime.datetime, calendar: Any | None
) -> datetime.timedelta:
    """Working time from ``start`` to ``end`` (wall-clock if no calendar); never negative."""
    if end <= start:
        return datetime.timedelta(0)
    if calendar is None:
        return end - start
    return worktime.working_time_between(start, end, calendar)
