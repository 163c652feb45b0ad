"""Work orders: types and forms, workflow, SLA timers and escalation, dispatch, area faults."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW = "tickets.view_ticket"
OPEN = "tickets.add_ticket"
DISPATCH = "tickets.dispatch_ticket"
CROSS_REGION = "tickets.dispatch_cross_region"
WORK = "tickets.work_ticket"
VERIFY = "tickets.verify_ticket"
CLOSE = "tickets.close_ticket"
CANCEL = "tickets.cancel_ticket"
REOPEN = "tickets.reopen_ticket"
PAUSE = "tickets.pause_ticket"
REPORTS = "tickets.view_ticket_reports"
SETTLEMENT = "tickets.export_settlement"
AREA_FAULT = "tickets.manage_areafault"
VIEW_AREA_FAULT = "tickets.view_areafault"
CHARGE = "tickets.add_ticketcharge"


class TicketsConfig(AppConfig):
    name = "hotline.tickets"
    label = "tickets"
    verbose_name = _("Work orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.tickets import setup

        setup.register_all()
