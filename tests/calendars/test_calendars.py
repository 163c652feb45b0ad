"""Business calendars in the database: what a fresh install holds, loading, admin edits."""

from __future__ import annotations

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.accounts.models import AuditEntry
from hotline.calendars import services
from hotline.calendars.apps import check_holiday_years
from hotline.calendars.models import BusinessCalendar, HolidayDay, HolidayYear, WorkingPeriod
from hotline.calendars.selectors import CalendarNotFound, get_calendar, missing_holiday_years
from hotline.calendars.worktime import add_working_days, add_working_time, is_open

SH = ZoneInfo("Asia/Shanghai")


def shanghai(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SH)


pytestmark = pytest.mark.django_db


def test_a_fresh_install_has_the_official_schedules_and_two_calendars() -> None:
    assert set(HolidayYear.objects.values_list("year", flat=True)) == {2025, 2026}
    workdays = set(
        HolidayDay.objects.filter(kind=HolidayDay.Kind.WORKDAY).values_list("day", flat=True)
    )
    assert datetime.date(2025, 1, 26) in workdays
    assert datetime.date(2025, 2, 8) in workdays
    assert datetime.date(2026, 10, 10) in workdays
    office = get_calendar()
    assert office.name == "工作时间"
    assert add_working_time(shanghai("2025-09-30 16:00"), timedelta(hours=3), office) == shanghai(
        "2025-10-09 10:00"
    )
    always = get_calendar("7×24")
    assert is_open(shanghai("2025-10-01 03:00"), always)


def test_unknown_calendar_names_are_refused() -> None:
    with pytest.raises(CalendarNotFound, match="nope"):
        get_calendar("nope")
    BusinessCalendar.objects.update(is_default=False)
    with pytest.raises(CalendarNotFound, match="default"):
        get_calendar()


def test_a_loaded_calendar_is_reused_until_something_changes(django_assert_num_queries) -> None:
    first = get_calendar()
    with django_assert_num_queries(1):
        assert get_calendar() is first
    services.holiday_day_save(
        day=HolidayDay(day=datetime.date(2025, 3, 3), kind="holiday", name="公司假日"), by=None
    )
    reloaded = get_calendar()
    assert reloaded is not first
    assert not is_open(shanghai("2025-03-03 09:00"), reloaded)


def test_editing_working_hours_reaches_the_arithmetic(admin_user) -> None:
    office = BusinessCalendar.objects.get(is_default=True)
    for period in office.periods.filter(weekday=4, starts__gte=datetime.time(13)):
        services.working_period_delete(period=period, by=admin_user)  # Friday afternoons off
    cal = get_calendar()
    assert not is_open(shanghai("2025-03-07 14:00"), cal)
    assert is_open(shanghai("2025-03-06 14:00"), cal)
    entry = AuditEntry.objects.filter(model="calendars.workingperiod", action="delete").get()
    assert entry.actor_name == admin_user.username


def test_one_default_calendar_at_a_time(admin_user) -> None:
    night = services.calendar_save(
        calendar=BusinessCalendar(name="夜班", is_default=True), by=admin_user
    )
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [night]
    assert get_calendar().name == "夜班"


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        services.calendar_save(calendar=BusinessCalendar(name="x", time_zone="Mars/Base"), by=None)
    assert "time_zone" in error.value.message_dict
    office = BusinessCalendar.objects.get(is_default=True)
    with pytest.raises(ValidationError) as error:
        services.working_period_save(
            period=WorkingPeriod(
                calendar=office, weekday=0, starts=datetime.time(12), ends=datetime.time(9)
            ),
            by=None,
        )
    assert "ends" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.holiday_day_save(
            day=HolidayDay(day=datetime.date(2025, 3, 5), kind="workday", name="x"), by=None
        )
    assert "kind" in error.value.message_dict


def test_a_missing_year_is_reported_until_the_admin_completes_it() -> None:
    assert missing_holiday_years(datetime.date(2026, 6, 1)) == []
    # From November the coming year is wanted too.
    assert missing_holiday_years(datetime.date(2026, 11, 2)) == [2027]
    assert missing_holiday_years(datetime.date(2027, 3, 1)) == [2027]
    services.holiday_day_save(
        day=HolidayDay(day=datetime.date(2027, 1, 1), kind="holiday", name="元旦"), by=None
    )
    cal = get_calendar()
    assert cal.missing_years(shanghai("2027-01-04 09:00")) == [2027]
    assert add_working_days(shanghai("2026-12-30 10:00"), 2, cal) == shanghai("2027-01-04 17:30")
    services.holiday_year_save(year=HolidayYear(year=2027, source="admin"), by=None)
    assert missing_holiday_years(datetime.date(2027, 3, 1)) == []
    assert get_calendar().missing_years(shanghai("2027-01-04 09:00")) == []


def test_no_year_is_missing_when_every_calendar_is_24x7() -> None:
    BusinessCalendar.objects.filter(always_open=False).delete()
    assert missing_holiday_years(datetime.date(2030, 1, 1)) == []


def test_system_check_warns_about_a_missing_year() -> None:
    HolidayYear.objects.filter(year=2026).delete()
    messages = check_holiday_years()
    current = datetime.date.today().year
    if current == 2026 or current > 2026:
        assert messages and messages[0].id == "calendars.W001"


def test_the_shipped_schedule_reloads_deleted_days(admin_user) -> None:
    HolidayDay.objects.filter(day__year=2025).delete()
    assert services.holiday_schedule_load(year=2025, by=admin_user) == 28 + 5
    assert services.holiday_schedule_load(year=2025, by=admin_user) == 0
    assert HolidayDay.objects.filter(day__year=2025, kind="workday").count() == 5
    with pytest.raises(KeyError):
        services.holiday_schedule_load(year=2027, by=admin_user)


def test_admin_edits_go_through_the_services_and_warn_about_missing_years(
    login, admin_user
) -> None:
    client = login(admin_user)
    HolidayYear.objects.filter(year=datetime.date.today().year).delete()
    page = client.get(reverse("admin:calendars_holidayday_changelist"))
    assert page.status_code == 200
    assert "calendars" in page.content.decode()
    assert list(page.context["messages"])  # the missing year is shown
    response = client.post(
        reverse("admin:calendars_holidayday_add"),
        {"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(model="calendars.holidayday", action="create").get()
    assert entry.actor_name == admin_user.username
    assert not is_open(shanghai("2027-01-01 09:00"), get_calendar())
    office = BusinessCalendar.objects.get(is_default=True)
    change = client.get(reverse("admin:calendars_businesscalendar_change", args=[office.pk]))
    assert change.status_code == 200
