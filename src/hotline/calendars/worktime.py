"""Working-time arithmetic on a business calendar: plain Python, no database.

A ``Calendar`` says when a service is open: working hours per weekday (lunch breaks are the
gaps between periods), public holidays and make-up working days (调休上班), or 24×7. The
functions answer the questions SLA deadlines and the IVR ask:

- ``add_working_time(start, duration, cal)``: the instant ``duration`` of open time after
  ``start`` (a deadline that ends exactly at closing time is closing time, not next morning);
- ``add_working_days(start, n, cal)``: the close of business of the ``n``-th working day
  after the day of ``start`` (the day of receipt does not count, as in the Civil Code art. 201);
- ``working_time_between(a, b, cal)``, ``is_open(at, cal)``, ``next_open(at, cal)``;
- ``deadline(start, target, cal)`` for an SLA ``Target`` (wall-clock hours, working hours or
  working days).

Speed: each calendar keeps, per year, the open intervals of every day and the cumulative open
time at the start of each day; a deadline is two binary searches, never a walk over minutes.
Aware datetimes in and out; the arithmetic runs on the calendar's wall clock (Asia/Shanghai
has no daylight-saving time; a zone with DST would shift by its jump on the changeover days).

Years without holiday data: the calendar still works (weekends and any days entered so far),
but the year is *missing*: ``missing_years()`` names it, a warning is logged once per process,
and ``strict=True`` raises ``HolidayYearMissing`` instead of computing on a guessed year.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

DAY_US = 86_400_000_000
# How far ahead a deadline may lie before we call the calendar broken (never open).
MAX_YEARS_AHEAD = 50

Interval = tuple[int, int]  # open from/to, microseconds since local midnight


class CalendarError(Exception):
    """A calendar cannot answer the question."""


class CalendarNeverOpen(CalendarError):
    """The calendar has no open time in reach: no working hours at all."""


class HolidayYearMissing(CalendarError):
    """The calendar observes public holidays and a year's official schedule is not entered."""

    def __init__(self, calendar: str, years: Iterable[int]) -> None:
        self.calendar = calendar
        self.years = tuple(sorted(years))
        listed = ", ".join(str(y) for y in self.years)
        super().__init__(f"calendar {calendar!r}: no public-holiday schedule for {listed}")


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def periods(*spans: tuple[str, str]) -> tuple[Interval, ...]:
    """``periods(("08:30", "12:00"), ("13:30", "17:30"))``; ``"24:00"`` is the end of the day."""
    out = []
    for start, end in spans:
        s = 0 if start == "00:00" else _us(time.fromisoformat(start))
        e = DAY_US if end == "24:00" else _us(time.fromisoformat(end))
        out.append((s, e))
    return normalise_intervals(out)


def normalise_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort, drop empty ones, merge overlapping and touching ones, clamp to the day."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(DAY_US, e)) for s, e in intervals):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


@dataclass
class _Year:
    """One year of a calendar, indexed: open intervals per day and cumulative open time."""

    first: date
    days: list[tuple[Interval, ...]]
    # cum[i] = open microseconds in the year before day i; cum[-1] is the year's total.
    cum: list[int]
    # Day numbers (0-based) that have open time, ascending.
    open_days: list[int]

    @property
    def total(self) -> int:
        return self.cum[-1]


@dataclass(frozen=True, eq=False)
class Calendar:
    """A business calendar, loaded once (from the database or built in a test) and reused.

    ``week`` holds the open intervals of Monday … Sunday. ``holidays`` close a day whatever
    its weekday; ``workdays`` (make-up working days) open a weekend day with the hours of
    ``makeup_weekday`` (Monday by default). ``known_years`` are the years whose official
    schedule has been entered completely.
    """

    name: str
    week: tuple[tuple[Interval, ...], ...]
    time_zone: str = "Asia/Shanghai"
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    always_open: bool = False
    observe_holidays: bool = True
    makeup_weekday: int = 0
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _years: dict[int, _Year] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("week: expected 7 days of intervals, Monday first")
        object.__setattr__(self, "week", tuple(normalise_intervals(d) for d in self.week))
        object.__setattr__(self, "tz", ZoneInfo(self.time_zone))

    # --- per-day answers ------------------------------------------------------------------

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The open intervals of ``day`` (local date)."""
        if self.always_open:
            return ((0, DAY_US),)
        if self.observe_holidays:
            if day in self.holidays:
                return ()
            if day in self.workdays:
                return self.week[self.makeup_weekday]
        return self.week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def holiday_name(self, day: date) -> str:
        """The name (``"春节"``) of the public holiday on ``day`` that this calendar observes."""
        if self.always_open or not self.observe_holidays:
            return ""
        return self.holidays.get(day, "")

    @property
    def uses_holidays(self) -> bool:
        """Whether this calendar's answers depend on the official holiday schedule."""
        return self.observe_holidays and not self.always_open

    def missing_years(self, start: datetime, end: datetime | None = None) -> list[int]:
        """Years from ``start`` to ``end`` (local) whose official schedule is not entered."""
        first = self.local(start).year
        last = self.local(end).year if end is not None else first
        if last < first:
            first, last = last, first
        if not self.uses_holidays:
            return []
        return [y for y in range(first, last + 1) if y not in self.known_years]

    # --- clock ----------------------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("expected an aware datetime")
        return at.astimezone(self.tz)

    def at(self, day: date, offset_us: int) -> datetime:
        """The aware instant ``offset_us`` after local midnight of ``day``."""
        midnight = datetime.combine(day, time(), tzinfo=self.tz)
        return midnight + timedelta(microseconds=offset_us)

    # --- the year index -------------------------------------------------------------------

    def year(self, year: int) -> _Year:
        index = self._years.get(year)
        if index is None:
            with self._lock:
                index = self._years.get(year)
                if index is None:
                    index = self._years[year] = self._build_year(year)
        return index

    def _build_year(self, year: int) -> _Year:
        first = date(year, 1, 1)
        count = (date(year + 1, 1, 1) - first).days
        days = [self.intervals_on(first + timedelta(days=n)) for n in range(count)]
        cum = [0]
        for intervals in days:
            cum.append(cum[-1] + sum(e - s for s, e in intervals))
        open_days = [n for n, intervals in enumerate(days) if intervals]
        return _Year(first=first, days=days, cum=cum, open_days=open_days)

    def open_before(self, at: datetime) -> tuple[int, int]:
        """(year, open microseconds in that year before ``at``)."""
        local = self.local(at)
        index = self.year(local.year)
        n = local.timetuple().tm_yday - 1
        offset = _offset_in_day(local)
        worked = sum(max(0, min(e, offset) - s) for s, e in index.days[n])
        return local.year, index.cum[n] + worked


def _offset_in_day(local: datetime) -> int:
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond


_warned: set[tuple[str, int]] = set()


def _check_years(cal: Calendar, start: datetime, end: datetime, strict: bool) -> None:
    missing = cal.missing_years(start, end)
    if not missing:
        return
    if strict:
        raise HolidayYearMissing(cal.name, missing)
    for year in missing:
        if (cal.name, year) not in _warned:
            _warned.add((cal.name, year))
            logger.warning(
                "calendar %r has no public-holiday schedule for %s: counting weekdays only "
                "until an admin enters it",
                cal.name,
                year,
            )


def _instant_at(cal: Calendar, year: int, target: int) -> datetime:
    """The first instant of ``year`` at which ``target`` (> 0) open microseconds have passed."""
    index = cal.year(year)
    n = bisect_left(index.cum, target, lo=1) - 1
    remaining = target - index.cum[n]
    for s, e in index.days[n]:
        if remaining <= e - s:
            return cal.at(index.first + timedelta(days=n), s + remaining)
        remaining -= e - s
    raise AssertionError("cumulative index out of step with the day's intervals")


def add_working_time(
    start: datetime, duration: timedelta, cal: Calendar, *, strict: bool = False
) -> datetime:
    """The instant at which ``duration`` of open time has passed since ``start``.

    1. Count the open time of ``start``'s year before ``start``; aim at that plus ``duration``.
    2. While the aim lies beyond the year's total, carry the rest into the next year.
    3. Binary-search the day in the year's cumulative index, then walk its few intervals.
    """
    if duration < timedelta(0):
        raise ValueError("duration: must not be negative")
    if duration == timedelta(0):
        return start
    year, before = cal.open_before(start)
    remaining = before + duration // timedelta(microseconds=1)
    for _ in range(MAX_YEARS_AHEAD):
        total = cal.year(year).total
        if remaining <= total:
            result = _instant_at(cal, year, remaining)
            _check_years(cal, start, result, strict)
            return result
        remaining -= total
        year += 1
    raise CalendarNeverOpen(f"calendar {cal.name!r}: no open time within {MAX_YEARS_AHEAD} years")


def working_time_between(
    a: datetime, b: datetime, cal: Calendar, *, strict: bool = False
) -> timedelta:
    """Open time between ``a`` and ``b``; negative when ``b`` is before ``a``."""
    if b < a:
        return -working_time_between(b, a, cal, strict=strict)
    _check_years(cal, a, b, strict)
    year_a, before_a = cal.open_before(a)
    year_b, before_b = cal.open_before(b)
    total = before_b - before_a
    for year in range(year_a, year_b):
        total += cal.year(year).total
    return timedelta(microseconds=total)


def is_open(at: datetime, cal: Calendar) -> bool:
    local = cal.local(at)
    offset = _offset_in_day(local)
    return any(s <= offset < e for s, e in cal.intervals_on(local.date()))


def next_open(at: datetime, cal: Calendar) -> datetime:
    """``at`` if the calendar is open then, otherwise the moment it opens next."""
    local = cal.local(at)
    offset = _offset_in_day(local)
    for s, e in cal.intervals_on(local.date()):
        if offset < e:
            return at if s <= offset else cal.at(local.date(), s)
    year = local.year
    after = local.timetuple().tm_yday  # the day after today, 0-based
    for _ in range(MAX_YEARS_AHEAD):
        index = cal.year(year)
        k = bisect_left(index.open_days, after)
        if k < len(index.open_days):
            n = index.open_days[k]
            return cal.at(index.first + timedelta(days=n), index.days[n][0][0])
        year, after = year + 1, 0
    raise CalendarNeverOpen(f"calendar {cal.name!r}: no open time within {MAX_YEARS_AHEAD} years")


def next_close(at: datetime, cal: Calendar) -> datetime | None:
    """When the open period around ``at`` ends; ``None`` when closed at ``at``, or when the
    calendar stays open for more than a year from ``at`` (24×7)."""
    local = cal.local(at)
    offset = _offset_in_day(local)
    day = local.date()
    for s, e in cal.intervals_on(day):
        if s <= offset < e:
            # A period running to midnight continues when the next day opens at midnight.
            for _ in range(367):
                if e != DAY_US:
                    return cal.at(day, e)
                day += timedelta(days=1)
                following = cal.intervals_on(day)
                if not following or following[0][0] != 0:
                    return cal.at(day, 0)
                e = following[0][1]
            return None
    return None


def add_working_days(
    start: datetime, days: int, cal: Calendar, *, strict: bool = False
) -> datetime:
    """Close of business of the ``days``-th working day after the day of ``start``.

    The day of ``start`` never counts, even if work could still be done on it (Civil Code
    art. 201: a period counted in days starts on the following day); when that day is a
    holiday the period runs to the next working day's close (art. 203).
    """
    if days < 1:
        raise ValueError("days: must be at least 1")
    local = cal.local(start)
    year = local.year
    after = local.timetuple().tm_yday  # index of the following day
    remaining = days
    for _ in range(MAX_YEARS_AHEAD):
        index = cal.year(year)
        k = bisect_left(index.open_days, after)
        available = len(index.open_days) - k
        if remaining <= available:
            n = index.open_days[k + remaining - 1]
            result = cal.at(index.first + timedelta(days=n), index.days[n][-1][1])
            _check_years(cal, start, result, strict)
            return result
        remaining -= available
        year, after = year + 1, 0
    raise CalendarNeverOpen(f"calendar {cal.name!r}: no open time within {MAX_YEARS_AHEAD} years")


class TargetUnit(StrEnum):
    """How an SLA target is measured."""

    HOURS = "hours"  # wall-clock hours: 24 h means 24 h later, nights and Sundays included
    WORKING_HOURS = "working_hours"  # open time of the calendar
    WORKING_DAYS = "working_days"  # close of business of the n-th working day after


@dataclass(frozen=True)
class Target:
    """An SLA target: ``Target(24, TargetUnit.HOURS)``, ``Target(3, TargetUnit.WORKING_DAYS)``."""

    amount: float
    unit: TargetUnit = TargetUnit.HOURS

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", TargetUnit(self.unit))
        if self.amount <= 0:
            raise ValueError("amount: must be positive")
        if self.unit == TargetUnit.WORKING_DAYS and int(self.amount) != self.amount:
            raise ValueError("amount: working days must be a whole number")

    @property
    def uses_calendar(self) -> bool:
        return self.unit != TargetUnit.HOURS


def deadline(start: datetime, target: Target, cal: Calendar, *, strict: bool = False) -> datetime:
    """When ``target`` is due for something that started at ``start``."""
    if target.unit == TargetUnit.HOURS:
        if start.tzinfo is None:
            raise ValueError("expected an aware datetime")
        return start + timedelta(hours=target.amount)
    if target.unit == TargetUnit.WORKING_HOURS:
        return add_working_time(start, timedelta(hours=target.amount), cal, strict=strict)
    return add_working_days(start, int(target.amount), cal, strict=strict)


def office_week(
    *spans: tuple[str, str], weekdays: Iterable[int] = range(5)
) -> tuple[tuple[Interval, ...], ...]:
    """The same hours on the given weekdays (Monday = 0), closed on the others."""
    hours = periods(*spans)
    chosen = set(weekdays)
    return tuple(hours if d in chosen else () for d in range(7))


__all__ = [
    "Calendar",
    "CalendarError",
    "CalendarNeverOpen",
    "HolidayYearMissing",
    "Target",
    "TargetUnit",
    "add_working_days",
    "add_working_time",
    "deadline",
    "is_open",
    "next_close",
    "next_open",
    "office_week",
    "periods",
    "working_time_between",
]
