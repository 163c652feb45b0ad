from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("hotline.calendars")


def check_holiday_years(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check`` (and every ``hotline`` start) warns about a missing schedule."""
    from django.db import DatabaseError

    from hotline.calendars.selectors import missing_holiday_years

    try:
        missing = missing_holiday_years()
    except DatabaseError:  # tables not migrated yet
        return []
    if not missing:
        return []
    years = ", ".join(str(y) for y in missing)
    logger.warning("public-holiday schedule missing for %s", years)
    return [
        checks.Warning(
            f"The public-holiday schedule of {years} is not entered; business calendars count "
            "weekdays only in those years.",
            hint="Enter the State Council's schedule in the admin (Business calendars → "
            "Holidays and make-up working days), then add the year under Holiday schedule "
            "years.",
            id="calendars.W001",
        )
    ]


class CalendarsConfig(AppConfig):
    name = "hotline.calendars"
    label = "calendars"
    verbose_name = _("Business calendars")

    def ready(self) -> None:
        from hotline.accounts.menu import MenuEntry, register_menu
        from hotline.accounts.roles import register_role_permissions

        checks.register(check_holiday_years)
        view = "calendars.view_businesscalendar"
        register_role_permissions(
            "calendars",
            {
                "dispatcher": [view, "calendars.view_holidayday"],
                "manager": [view, "calendars.view_holidayday"],
            },
        )
        register_menu(
            MenuEntry(
                "calendars",
                _("Business calendars"),
                "admin:calendars_businesscalendar_changelist",
                "calendars.change_businesscalendar",
                staff_only=True,
                description=_(
                    "Working hours, public holidays and make-up working days for SLA deadlines "
                    "and the IVR."
                ),
            ),
            order=950,
        )
