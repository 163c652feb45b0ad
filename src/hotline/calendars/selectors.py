"""Reading business calendars: database rows → ``worktime.Calendar``, cached per process.

A loaded calendar is kept under its (id, version); every change bumps the version
(``services``), so one small indexed query per call tells whether the copy is current.
"""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict

from django.utils import timezone

from hotline.calendars.models import BusinessCalendar, HolidayDay, HolidayYear
from hotline.calendars.worktime import DAY_US, Calendar, CalendarError, Interval

# Warn about next year's missing schedule from this day of the year on (the State Council
# usually publishes it in November).
NEXT_YEAR_WARNING_FROM = (11, 1)


class CalendarNotFound(CalendarError, LookupError):
    """No calendar of that name, or no default calendar."""


_cache: dict[int, tuple[str, Calendar]] = {}
_lock = threading.Lock()


def _us(t: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000


def _load(row: BusinessCalendar) -> Calendar:
    week: dict[int, list[Interval]] = defaultdict(list)
    for period in row.periods.all():
        end = DAY_US if period.ends_at_midnight else _us(period.ends)
        week[period.weekday].append((_us(period.starts), end))
    holidays: dict[datetime.date, str] = {}
    workdays: dict[datetime.date, str] = {}
    for day, kind, name in HolidayDay.objects.values_list("day", "kind", "name"):
        (holidays if kind == HolidayDay.Kind.HOLIDAY else workdays)[day] = name
    return Calendar(
        name=row.name,
        week=tuple(tuple(week[d]) for d in range(7)),
        time_zone=row.time_zone,
        holidays=holidays,
        workdays=workdays,
        known_years=frozenset(HolidayYear.objects.values_list("year", flat=True)),
        always_open=row.always_open,
        observe_holidays=row.observe_holidays,
        makeup_weekday=row.makeup_weekday,
    )


def get_calendar(name_or_default: str | None = None) -> Calendar:
    """The calendar called ``name_or_default``, or the default calendar when it is empty.

    Raises ``CalendarNotFound``. Cheap: one indexed query, then the cached calendar.
    """
    rows = BusinessCalendar.objects.only("id", "version", "name")
    if name_or_default:
        row = rows.filter(name=name_or_default).first()
    else:
        row = rows.filter(is_default=True).first()
    if row is None:
        what = repr(name_or_default) if name_or_default else "default"
        raise CalendarNotFound(f"no {what} business calendar")
    cached = _cache.get(row.pk)
    if cached is not None and cached[0] == row.version:
        return cached[1]
    full = BusinessCalendar.objects.prefetch_related("periods").get(pk=row.pk)
    calendar = _load(full)
    with _lock:
        _cache[row.pk] = (full.version, calendar)
    return calendar


def calendar_cache_clear() -> None:
    with _lock:
        _cache.clear()


def missing_holiday_years(today: datetime.date | None = None) -> list[int]:
    """Years an admin should enter now: this year, and next year from November on.

    Empty when no calendar observes public holidays.
    """
    uses = BusinessCalendar.objects.filter(always_open=False, observe_holidays=True).exists()
    if not uses:
        return []
    today = today or timezone.localdate()
    wanted = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_WARNING_FROM:
        wanted.append(today.year + 1)
    known = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [y for y in wanted if y not in known]
