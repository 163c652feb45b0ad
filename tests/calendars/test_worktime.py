"""Working-time arithmetic on the Chinese office calendar, 2025–2027, without a database.

The office calendar: Monday–Friday 08:30–12:00 and 13:30–17:30 (7.5 h a day), the State
Council's schedules of 2025 and 2026, and 2027 not entered (a missing year).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.calendars.official import SCHEDULES
from hotline.calendars.worktime import (
    Calendar,
    CalendarNeverOpen,
    HolidayYearMissing,
    Target,
    TargetUnit,
    add_working_days,
    add_working_time,
    deadline,
    is_open,
    next_close,
    next_open,
    office_week,
    periods,
    working_time_between,
)

SH = ZoneInfo("Asia/Shanghai")
LUNCH_BREAK_HOURS = (("08:30", "12:00"), ("13:30", "17:30"))


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def official(years=(2025, 2026)) -> tuple[dict, dict]:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for year in years:
        holidays.update(SCHEDULES[year].holidays())
        workdays.update(SCHEDULES[year].makeup_workdays())
    return holidays, workdays


def office(**overrides) -> Calendar:
    holidays, workdays = official()
    fields = dict(
        name="office",
        week=office_week(*LUNCH_BREAK_HOURS),
        holidays=holidays,
        workdays=workdays,
        known_years=frozenset({2025, 2026}),
    )
    fields.update(overrides)
    return Calendar(**fields)


OFFICE = office()
ALWAYS = Calendar("7x24", week=((),) * 7, always_open=True, observe_holidays=False)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # 元旦, Wednesday
        ("2025-01-02", True),
        ("2025-01-26", True),  # Sunday, make-up day for 春节
        ("2025-01-28", False),  # 除夕, Tuesday
        ("2025-02-04", False),  # 正月初七, Tuesday, last day off
        ("2025-02-05", True),
        ("2025-02-08", True),  # Saturday, make-up day for 春节
        ("2025-04-04", False),  # 清明, Friday
        ("2025-04-27", True),  # Sunday, make-up day for 劳动节
        ("2025-05-05", False),  # Monday inside 劳动节
        ("2025-05-31", False),  # 端午 block, Saturday
        ("2025-06-02", False),  # Monday inside 端午
        ("2025-09-28", True),  # Sunday, make-up day for 国庆/中秋
        ("2025-10-06", False),  # 中秋 inside the combined block
        ("2025-10-08", False),  # last day of the combined block, Wednesday
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, make-up day
        ("2025-10-12", False),  # plain Sunday
        ("2026-01-02", False),  # Friday inside 元旦
        ("2026-01-04", True),  # Sunday, make-up day for 元旦
        ("2026-02-14", True),  # Saturday, make-up day for 春节
        ("2026-02-16", False),  # 除夕
        ("2026-02-23", False),  # Monday, last day of 春节
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, make-up day for 春节
        ("2026-05-05", False),  # Tuesday inside 劳动节
        ("2026-05-09", True),  # Saturday, make-up day for 劳动节
        ("2026-06-19", False),  # 端午, Friday
        ("2026-09-20", True),  # Sunday, make-up day for 国庆
        ("2026-09-25", False),  # 中秋, Friday
        ("2026-10-07", False),  # Wednesday inside 国庆
        ("2026-10-10", True),  # Saturday, make-up day for 国庆
        ("2027-01-01", True),  # missing year: a Friday counts as a weekday
        ("2027-01-02", False),  # missing year: Saturday
    ],
)
def test_working_days_follow_the_official_schedule(day: str, working: bool) -> None:
    assert OFFICE.is_working_day(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2025-03-03 09:00", 1, "2025-03-03 10:00"),
        ("2025-03-03 11:00", 2, "2025-03-03 14:30"),  # across the lunch break
        ("2025-03-03 16:30", 1, "2025-03-03 17:30"),  # due at closing time, not next morning
        ("2025-03-03 07:00", 1, "2025-03-03 09:30"),  # before opening
        ("2025-03-03 12:30", 0.5, "2025-03-03 14:00"),  # during lunch
        ("2025-03-03 20:00", 1, "2025-03-04 09:30"),  # after closing
        ("2025-03-07 17:00", 1, "2025-03-10 09:00"),  # Friday evening → Monday
        ("2025-03-08 10:00", 1, "2025-03-10 09:30"),  # opened on a Saturday
        ("2025-03-03 08:30", 22.5, "2025-03-05 17:30"),  # three full days
        ("2025-01-24 16:00", 4, "2025-01-26 11:00"),  # into the make-up Sunday
        ("2025-01-27 17:00", 1, "2025-02-05 09:00"),  # over 春节
        ("2025-02-07 17:00", 1, "2025-02-08 09:00"),  # onto the make-up Saturday
        ("2025-09-26 17:00", 1, "2025-09-28 09:00"),  # onto the make-up Sunday
        ("2025-09-30 16:00", 3, "2025-10-09 10:00"),  # over the combined 国庆/中秋 block
        ("2025-10-10 17:00", 1, "2025-10-11 09:00"),  # onto the make-up Saturday
        ("2025-12-31 17:00", 1, "2026-01-04 09:00"),  # year end, 元旦, make-up Sunday
        ("2026-02-13 17:00", 1, "2026-02-14 09:00"),
        ("2026-02-14 17:00", 1, "2026-02-24 09:00"),  # over 春节 2026
        ("2026-09-30 17:00", 8, "2026-10-08 17:30"),
        ("2026-10-09 17:00", 1, "2026-10-10 09:00"),
    ],
)
def test_add_working_time(start: str, hours: float, expected: str) -> None:
    result = add_working_time(shanghai(start), timedelta(hours=hours), OFFICE)
    assert result == shanghai(expected)
    assert result.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2025-03-03 09:00", 1, "2025-03-04 17:30"),  # the day of receipt does not count
        ("2025-03-07 09:00", 3, "2025-03-12 17:30"),
        ("2025-01-24 10:00", 3, "2025-02-05 17:30"),  # make-up Sunday, Monday, then after 春节
        ("2025-09-26 10:00", 3, "2025-09-30 17:30"),  # make-up Sunday counts
        ("2025-09-30 10:00", 3, "2025-10-11 17:30"),  # ends on the make-up Saturday
        ("2025-10-03 10:00", 3, "2025-10-11 17:30"),  # opened on a holiday
        ("2025-12-30 10:00", 3, "2026-01-05 17:30"),  # year end: Dec 31, Jan 4 (Sunday), Jan 5
        ("2026-02-13 10:00", 1, "2026-02-14 17:30"),
        ("2026-09-29 10:00", 3, "2026-10-09 17:30"),
    ],
)
def test_add_working_days(start: str, days: int, expected: str) -> None:
    assert add_working_days(shanghai(start), days, OFFICE) == shanghai(expected)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        ("2025-03-03 09:00", "2025-03-03 10:00", 1),
        ("2025-03-03 11:00", "2025-03-03 14:00", 1.5),
        ("2025-03-03 18:00", "2025-03-04 08:00", 0),
        ("2025-01-24 09:00", "2025-02-10 09:00", 52.5),
        ("2025-09-30 16:00", "2025-10-09 10:00", 3),
        ("2025-12-31 17:00", "2026-01-05 09:00", 8.5),  # across the year end
        ("2025-03-03 10:00", "2025-03-03 09:00", -1),
    ],
)
def test_working_time_between(a: str, b: str, hours: float) -> None:
    assert working_time_between(shanghai(a), shanghai(b), OFFICE) == timedelta(hours=hours)


def test_working_time_between_is_the_inverse_of_adding() -> None:
    start = shanghai("2025-01-20 10:17:03.250000")
    for hours in (0.25, 7.5, 40, 300, 1900):
        end = add_working_time(start, timedelta(hours=hours), OFFICE)
        assert working_time_between(start, end, OFFICE) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("at", "open_", "next_opening", "closing"),
    [
        ("2025-03-03 09:00", True, "2025-03-03 09:00", "2025-03-03 12:00"),
        ("2025-03-03 12:00", False, "2025-03-03 13:30", None),  # lunch starts at 12:00
        ("2025-03-03 17:30", False, "2025-03-04 08:30", None),
        ("2025-01-25 10:00", False, "2025-01-26 08:30", None),  # Saturday before make-up Sunday
        ("2025-10-01 09:00", False, "2025-10-09 08:30", None),
        ("2025-12-31 18:00", False, "2026-01-04 08:30", None),
        ("2026-02-14 14:00", True, "2026-02-14 14:00", "2026-02-14 17:30"),
    ],
)
def test_is_open_next_open_and_next_close(
    at: str, open_: bool, next_opening: str, closing: str | None
) -> None:
    moment = shanghai(at)
    assert is_open(moment, OFFICE) is open_
    assert next_open(moment, OFFICE) == shanghai(next_opening)
    assert next_close(moment, OFFICE) == (shanghai(closing) if closing else None)


def test_aware_datetimes_in_any_zone_come_back_in_the_calendars_zone() -> None:
    start = datetime(2025, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    result = add_working_time(start, timedelta(hours=3), OFFICE)
    assert result == shanghai("2025-10-09 10:00")
    assert result.tzinfo == SH


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_time(datetime(2025, 3, 3, 9), timedelta(hours=1), OFFICE)


def test_zero_duration_is_the_start_and_negative_is_refused() -> None:
    start = shanghai("2025-10-01 09:00")
    assert add_working_time(start, timedelta(0), OFFICE) == start
    with pytest.raises(ValueError, match="duration"):
        add_working_time(start, timedelta(hours=-1), OFFICE)


def test_a_missing_year_counts_weekdays_and_says_so(caplog) -> None:
    cal = office(name="office-missing-2027")
    start = shanghai("2026-12-31 17:00")
    assert cal.missing_years(start, shanghai("2027-06-01 00:00")) == [2027]
    with caplog.at_level(logging.WARNING, logger="hotline.calendars.worktime"):
        result = add_working_time(start, timedelta(hours=1), cal)
        add_working_time(start, timedelta(hours=2), cal)  # warned once per process
    assert result == shanghai("2027-01-01 09:00")
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1
    assert add_working_days(shanghai("2026-12-30 10:00"), 3, cal) == shanghai("2027-01-04 17:30")


def test_strict_refuses_to_compute_on_a_missing_year() -> None:
    with pytest.raises(HolidayYearMissing) as error:
        add_working_time(shanghai("2026-12-31 17:00"), timedelta(hours=1), OFFICE, strict=True)
    assert error.value.years == (2027,)
    with pytest.raises(HolidayYearMissing):
        deadline(
            shanghai("2026-12-30 10:00"),
            Target(3, TargetUnit.WORKING_DAYS),
            OFFICE,
            strict=True,
        )
    # Within known years strict mode answers as usual.
    assert add_working_time(
        shanghai("2025-12-31 17:00"), timedelta(hours=1), OFFICE, strict=True
    ) == shanghai("2026-01-04 09:00")


def test_days_entered_for_a_missing_year_are_used_before_it_is_complete() -> None:
    holidays, workdays = official()
    holidays[date(2027, 1, 1)] = "元旦"
    cal = office(holidays=holidays, workdays=workdays)
    assert add_working_time(shanghai("2026-12-31 17:00"), timedelta(hours=1), cal) == shanghai(
        "2027-01-04 09:00"
    )
    assert cal.missing_years(shanghai("2027-01-04 09:00")) == [2027]


def test_sla_targets_wall_clock_versus_working_time() -> None:
    start = shanghai("2025-09-30 16:00")
    assert deadline(start, Target(24), OFFICE) == shanghai("2025-10-01 16:00")
    assert deadline(start, Target(48, TargetUnit.HOURS), OFFICE) == shanghai("2025-10-02 16:00")
    assert deadline(start, Target(3, TargetUnit.WORKING_HOURS), OFFICE) == shanghai(
        "2025-10-09 10:00"
    )
    assert deadline(start, Target(3, "working_days"), OFFICE) == shanghai("2025-10-11 17:30")
    with pytest.raises(ValueError, match="whole"):
        Target(1.5, TargetUnit.WORKING_DAYS)
    with pytest.raises(ValueError, match="positive"):
        Target(0)


def test_a_24x7_calendar_is_wall_clock_time_holidays_included() -> None:
    start = shanghai("2025-10-01 09:00")
    assert is_open(start, ALWAYS)
    assert add_working_time(start, timedelta(hours=30), ALWAYS) == shanghai("2025-10-02 15:00")
    assert working_time_between(start, shanghai("2027-10-01 09:00"), ALWAYS) == timedelta(days=730)
    assert ALWAYS.missing_years(start, shanghai("2030-01-01 00:00")) == []
    assert next_close(start, ALWAYS) is None  # does not close within a year


def test_a_calendar_that_ignores_holidays_is_open_on_national_day() -> None:
    cal = office(name="no-holidays", observe_holidays=False)
    assert is_open(shanghai("2025-10-08 09:00"), cal)
    assert not is_open(shanghai("2025-10-11 09:00"), cal)  # a plain Saturday for it
    assert cal.missing_years(shanghai("2027-01-01 09:00")) == []


def test_weekend_hours_close_on_holidays_too() -> None:
    week = list(office_week(*LUNCH_BREAK_HOURS))
    week[5] = periods(("09:00", "12:00"))
    cal = office(name="saturday-mornings", week=tuple(week))
    assert is_open(shanghai("2025-03-08 10:00"), cal)
    assert not is_open(shanghai("2025-05-31 10:00"), cal)  # 端午 Saturday


def test_make_up_days_keep_the_hours_of_the_chosen_weekday() -> None:
    week = list(office_week(*LUNCH_BREAK_HOURS))
    week[4] = periods(("08:30", "12:00"))  # Friday mornings only
    friday_like = office(name="friday-like", week=tuple(week), makeup_weekday=4)
    monday_like = office(name="monday-like", week=tuple(week))
    make_up_saturday = shanghai("2025-02-08 14:00")
    assert not is_open(make_up_saturday, friday_like)
    assert is_open(make_up_saturday, monday_like)


def test_a_calendar_without_hours_is_reported_never_open() -> None:
    closed = Calendar("closed", week=((),) * 7)
    with pytest.raises(CalendarNeverOpen):
        add_working_time(shanghai("2025-03-03 09:00"), timedelta(hours=1), closed)
    with pytest.raises(CalendarNeverOpen):
        next_open(shanghai("2025-03-03 09:00"), closed)


def test_periods_merge_overlaps_and_accept_midnight() -> None:
    assert periods(("13:00", "18:00"), ("08:00", "12:00"), ("11:00", "13:00")) == (
        (8 * 3600 * 10**6, 18 * 3600 * 10**6),
    )
    assert periods(("20:00", "24:00")) == ((20 * 3600 * 10**6, 24 * 3600 * 10**6),)


def test_evenings_into_midnight_continue_next_day() -> None:
    week = (periods(("00:00", "02:00"), ("20:00", "24:00")),) * 7
    night = Calendar("night", week=week, observe_holidays=False)
    assert next_close(shanghai("2025-03-03 21:00"), night) == shanghai("2025-03-04 02:00")
    assert add_working_time(shanghai("2025-03-03 23:00"), timedelta(hours=2), night) == shanghai(
        "2025-03-04 01:00"
    )
