"""A fresh install is right out of the box: the official 2025 and 2026 holiday schedules, an
office-hours calendar (the default) and a 24×7 calendar.

Loads only what is absent, so an admin's earlier entries are kept.
"""

import datetime

from django.db import migrations

YEARS = (2025, 2026)


def load(apps, schema_editor):
    from hotline.calendars.official import SCHEDULES

    HolidayDay = apps.get_model("calendars", "HolidayDay")
    HolidayYear = apps.get_model("calendars", "HolidayYear")
    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    WorkingPeriod = apps.get_model("calendars", "WorkingPeriod")

    for year in YEARS:
        schedule = SCHEDULES[year]
        present = set(HolidayDay.objects.filter(day__year=year).values_list("day", flat=True))
        rows = [
            HolidayDay(day=day, kind="holiday", name=name)
            for day, name in schedule.holidays().items()
            if day not in present
        ] + [
            HolidayDay(day=day, kind="workday", name=name)
            for day, name in schedule.makeup_workdays().items()
            if day not in present
        ]
        HolidayDay.objects.bulk_create(rows)
        HolidayYear.objects.get_or_create(year=year, defaults={"source": schedule.source})

    if not BusinessCalendar.objects.exists():
        office = BusinessCalendar.objects.create(
            name="工作时间", is_default=True, note="周一至周五 08:30–12:00, 13:30–17:30"
        )
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=office, weekday=day, starts=start, ends=end)
            for day in range(5)
            for start, end in (
                (datetime.time(8, 30), datetime.time(12, 0)),
                (datetime.time(13, 30), datetime.time(17, 30)),
            )
        )
        BusinessCalendar.objects.create(
            name="7×24", always_open=True, observe_holidays=False, note="全年无休"
        )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_business_calendars")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
