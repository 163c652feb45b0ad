"""Business calendars: working hours per weekday, and the national holiday schedule.

The public holidays and make-up working days (调休) are national, so they are one table
shared by every calendar (``HolidayDay``); ``HolidayYear`` records that a year's official
schedule has been entered completely. A calendar either observes them (office hours) or not
(a 24×7 hotline). The arithmetic lives in ``worktime.py``; ``selectors.get_calendar`` loads a
calendar from these rows into it.
"""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.audit.record import AuditedModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from exc


def new_version() -> str:
    return uuid.uuid4().hex


class BusinessCalendar(AuditedModel):
    name = models.CharField(_("name"), max_length=60, unique=True)
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used when an SLA policy or IVR flow names no calendar."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("open 24×7"),
        default=False,
        help_text=_("Open every hour of every day, holidays included; working hours are ignored."),
    )
    observe_holidays = models.BooleanField(
        _("observe public holidays"),
        default=True,
        help_text=_("Closed on public holidays and open on make-up working days (调休)."),
    )
    makeup_weekday = models.PositiveSmallIntegerField(
        _("make-up working days keep the hours of"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # A new random value on every change to the calendar or the holiday table: loaded
    # calendars are cached per process under (id, version). Random, not a counter, so a
    # rolled-back change can never leave a cached copy under a version that later commits.
    version = models.CharField(_("version"), max_length=32, default=new_version, editable=False)

    audit_exclude = {"version"}

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(AuditedModel):
    """One open period of a weekday (a lunch break is the gap between two periods)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def ends_at_midnight(self) -> bool:
        return self.ends == datetime.time(0, 0)

    def clean(self) -> None:
        both = self.starts is not None and self.ends is not None
        if both and not self.ends_at_midnight and self.ends <= self.starts:
            raise ValidationError({"ends": _("Must be later than the start.")})


class HolidayDay(AuditedModel):
    """A date of the official schedule: a day off (放假) or a make-up working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Day off (放假)")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=40, help_text=_("For example 春节, 国庆节."))

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.day and self.kind == self.Kind.WORKDAY and self.day.weekday() < 5:
            raise ValidationError(
                {"kind": _("A make-up working day falls on a Saturday or Sunday.")}
            )


class HolidayYear(AuditedModel):
    """A year whose official schedule has been entered completely.

    Without this row a year is *missing*: calendars count weekdays only (plus whatever days
    were entered) and admins are warned.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The State Council notice.")
    )
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("holiday schedule year")
        verbose_name_plural = _("holiday schedule years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
