"""Changes to business calendars and the holiday schedule: one write path for admin and code.

Every change records its audit entry and bumps the revision of the calendars it affects
(holiday days affect all of them), so ``selectors.get_calendar`` reloads at once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hotline.audit.context import acting_as
from hotline.audit.record import audit_deleted, audit_record, audit_saved
from hotline.calendars.models import (
    BusinessCalendar,
    HolidayDay,
    HolidayYear,
    WorkingPeriod,
    new_version,
)
from hotline.calendars.official import SCHEDULES


def _touch(calendar: BusinessCalendar | None = None) -> None:
    rows = BusinessCalendar.objects.all()
    if calendar is not None:
        rows = rows.filter(pk=calendar.pk)
    rows.update(version=new_version())


def calendar_save(*, calendar: BusinessCalendar, by: Any) -> BusinessCalendar:
    """Create or change a calendar; making it the default takes the flag from the other one."""
    created = calendar.pk is None
    calendar.full_clean(exclude=["is_default"] if calendar.is_default else None)
    with acting_as(by), transaction.atomic():
        if calendar.is_default:
            for other in BusinessCalendar.objects.filter(is_default=True).exclude(pk=calendar.pk):
                other.is_default = False
                other.save(update_fields=["is_default"])
                audit_saved(other, fields=["is_default"])
        calendar.save()
        audit_saved(calendar, created=created)
        _touch(calendar)
    return calendar


def calendar_delete(*, calendar: BusinessCalendar, by: Any) -> None:
    with acting_as(by), transaction.atomic():
        audit_deleted(calendar)
        calendar.delete()


def working_period_save(*, period: WorkingPeriod, by: Any) -> WorkingPeriod:
    created = period.pk is None
    period.full_clean()
    with acting_as(by), transaction.atomic():
        period.save()
        audit_saved(period, created=created)
        _touch(period.calendar)
    return period


def working_period_delete(*, period: WorkingPeriod, by: Any) -> None:
    with acting_as(by), transaction.atomic():
        audit_deleted(period)
        period.delete()
        _touch(period.calendar)


def holiday_day_save(*, day: HolidayDay, by: Any) -> HolidayDay:
    created = day.pk is None
    day.full_clean()
    with acting_as(by), transaction.atomic():
        day.save()
        audit_saved(day, created=created)
        _touch()
    return day


def holiday_day_delete(*, day: HolidayDay, by: Any) -> None:
    with acting_as(by), transaction.atomic():
        audit_deleted(day)
        day.delete()
        _touch()


def holiday_year_save(*, year: HolidayYear, by: Any) -> HolidayYear:
    """Mark a year's schedule as entered completely (it stops being reported as missing)."""
    created = year.pk is None
    year.full_clean()
    with acting_as(by), transaction.atomic():
        year.save()
        audit_saved(year, created=created)
        _touch()
    return year


def holiday_year_delete(*, year: HolidayYear, by: Any) -> None:
    with acting_as(by), transaction.atomic():
        audit_deleted(year)
        year.delete()
        _touch()


def holiday_schedule_load(*, year: int, by: Any, replace: bool = False) -> int:
    """Enter the official schedule of ``year`` that ships with Hotline (``official.py``).

    Days an admin entered for that year stay unless ``replace``; returns the days written.
    Raises ``KeyError`` for a year Hotline has no schedule of.
    """
    schedule = SCHEDULES[year]
    wanted = {day: (HolidayDay.Kind.HOLIDAY, name) for day, name in schedule.holidays().items()}
    wanted.update(
        {day: (HolidayDay.Kind.WORKDAY, name) for day, name in schedule.makeup_workdays().items()}
    )
    with acting_as(by), transaction.atomic():
        existing = HolidayDay.objects.filter(day__year=year)
        if replace:
            existing.delete()
            present: set = set()
        else:
            present = set(existing.values_list("day", flat=True))
        rows = [
            HolidayDay(day=day, kind=kind, name=name)
            for day, (kind, name) in sorted(wanted.items())
            if day not in present
        ]
        HolidayDay.objects.bulk_create(rows)
        HolidayYear.objects.get_or_create(year=year, defaults={"source": schedule.source})
        audit_record(
            action="system",
            model="calendars.holidayyear",
            object_id=str(year),
            object_repr=str(year),
            changes={"loaded": len(rows), "source": schedule.source, "replace": replace},
        )
        _touch()
    return len(rows)
