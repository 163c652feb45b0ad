"""Whole days in the user's time zone, as the filters and reports read a period.

A period "from 3 March to 5 March" means every instant from the start of 3 March up to (not
including) the start of 6 March, in the current time zone (the user's; Asia/Shanghai in the
demo): one rule for the audit log, the call log, knowledge search and the order figures.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

# A filter may name any date a date field takes (0001-01-01 … 9999-12-31), but the first and
# the last day of the calendar, or the day after the last, are no instant in every time zone
# (OverflowError, a 500): days beyond these bounds are read as the bounds, which no record
# reaches anyway.
EARLIEST_DAY = datetime.date.min + datetime.timedelta(days=1)
LATEST_DAY = datetime.date.max - datetime.timedelta(days=2)


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of ``day`` in the current time zone."""
    day = min(max(day, EARLIEST_DAY), LATEST_DAY + datetime.timedelta(days=1))
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def day_after(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day``: the end (excluded) of a period whose last day it is."""
    return day_start(min(day, LATEST_DAY) + datetime.timedelta(days=1))


def within_days(field: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """``field`` within the whole days ``first`` to ``last`` (both included; either open)."""
    condition = Q()
    if first:
        condition &= Q(**{f"{field}__gte": day_start(first)})
    if last:
        condition &= Q(**{f"{field}__lt": day_after(last)})
    return condition
