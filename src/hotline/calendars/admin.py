"""Admin pages for business calendars and the holiday schedule; every save goes through the
services (audit entry, revision bump), and missing years are shown as a warning."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from hotline.calendars import services
from hotline.calendars.models import (
    BusinessCalendar,
    HolidayDay,
    HolidayYear,
    Weekday,
    WorkingPeriod,
)
from hotline.calendars.official import SCHEDULES
from hotline.calendars.selectors import missing_holiday_years
from hotline.typed_text import PlainTextAdmin


def _warn_missing(request: HttpRequest) -> None:
    missing = missing_holiday_years()
    if missing:
        messages.warning(
            request,
            _(
                "The public-holiday schedule of %(years)s is not entered: deadlines in those "
                "years count weekdays only. Enter the State Council's schedule under "
                "“Holidays and make-up working days”, then add the year under “Holiday "
                "schedule years”."
            )
            % {"years": ", ".join(str(y) for y in missing)},
        )


class WorkingPeriodInline(PlainTextAdmin, admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class ServiceWritesMixin:
    """Route the admin's saves and deletes through the app's services."""

    save_service: Any = None
    delete_service: Any = None
    service_arg = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_service(**{self.service_arg: obj, "by": request.user})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_service(**{self.service_arg: obj, "by": request.user})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            _warn_missing(request)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ServiceWritesMixin, PlainTextAdmin, admin.ModelAdmin):
    list_display = ["name", "is_default", "always_open", "observe_holidays", "time_zone"]
    fields = [
        "name",
        "is_default",
        "time_zone",
        "always_open",
        "observe_holidays",
        "makeup_weekday",
        "note",
    ]
    inlines = [WorkingPeriodInline]
    save_service = staticmethod(services.calendar_save)
    delete_service = staticmethod(services.calendar_delete)
    service_arg = "calendar"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        periods = formset.save(commit=False)
        for period in formset.deleted_objects:
            services.working_period_delete(period=period, by=request.user)
        for period in periods:
            services.working_period_save(period=period, by=request.user)


@admin.register(HolidayDay)
class HolidayDayAdmin(ServiceWritesMixin, PlainTextAdmin, admin.ModelAdmin):
    list_display = ["day", "weekday", "name", "kind"]
    list_filter = ["kind", "name"]
    date_hierarchy = "day"
    search_fields = ["name"]
    save_service = staticmethod(services.holiday_day_save)
    delete_service = staticmethod(services.holiday_day_delete)
    service_arg = "day"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: HolidayDay) -> str:
        return str(Weekday(obj.day.weekday()).label)


@admin.register(HolidayYear)
class HolidayYearAdmin(ServiceWritesMixin, PlainTextAdmin, admin.ModelAdmin):
    list_display = ["year", "source", "entered_at"]
    actions = ["load_official"]
    save_service = staticmethod(services.holiday_year_save)
    delete_service = staticmethod(services.holiday_year_delete)
    service_arg = "year"

    @admin.action(description=_("Load the schedule shipped with Hotline for the selected years"))
    def load_official(self, request: HttpRequest, queryset: QuerySet[HolidayYear]) -> None:
        for row in queryset:
            if row.year not in SCHEDULES:
                self.message_user(
                    request,
                    _("Hotline ships no schedule for %(year)s; enter it by hand.")
                    % {"year": row.year},
                    messages.ERROR,
                )
                continue
            count = services.holiday_schedule_load(year=row.year, by=request.user)
            self.message_user(
                request,
                _("%(year)s: %(count)s days added.") % {"year": row.year, "count": count},
            )
