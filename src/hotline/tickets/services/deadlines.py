"""Provisional deadlines: computed across a year whose holiday schedule was missing, and
recomputed here once an admin has entered that year."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from hotline.audit.context import acting_as, audit_actor
from hotline.audit.record import audit_saved
from hotline.stored_text import stored
from hotline.tickets import sla
from hotline.tickets.clock import calendar_for
from hotline.tickets.models import Ticket, TicketHistory
from hotline.tickets.services.common import history_add, publish_ticket
from hotline.tickets.services.transitions import lock
from hotline.tickets.workflow import OPEN_STATES

FIELDS = {
    "response": "response_due_at",
    "arrival": "arrival_due_at",
    "resolution": "resolution_due_at",
    "closure": "closure_due_at",
    "warning": "warning_at",
}


def sla_recompute_provisional(*, limit: int = 200) -> int:
    """Recompute open orders whose deadlines are provisional; return how many became final.

    An order that was paused keeps its provisional deadlines (the pause moved them; they are
    not recomputed from the opening time) and stays flagged for a person to judge.
    """
    candidates = list(
        Ticket.objects.filter(sla_provisional=True, state__in=sorted(OPEN_STATES))
        .exclude(pk__in=TicketHistory.objects.filter(action="pause").values("ticket_id"))
        .values_list("pk", flat=True)
        .order_by("pk")[:limit]
    )
    done = 0
    for pk in candidates:
        with audit_actor(name="timer"), acting_as(None), transaction.atomic():
            ticket = lock(Ticket(pk=pk))
            if not ticket.sla_provisional or ticket.sla_policy is None:
                continue
            policy = ticket.sla_policy
            deadlines = sla.deadlines_for(
                ticket.created_at, policy.targets(), calendar_for(policy.calendar_name)
            )
            if deadlines.provisional:
                continue
            for name, field in FIELDS.items():
                setattr(ticket, field, getattr(deadlines, name))
            ticket.sla_provisional = False
            audit_saved(ticket, fields=[*FIELDS.values(), "sla_provisional"])
            ticket.save(update_fields=[*FIELDS.values(), "sla_provisional"])
            history_add(
                ticket,
                "sla_recomputed",
                note=stored(
                    gettext_noop(
                        "Deadlines recomputed with the public-holiday schedule now entered."
                    )
                ),
            )
            publish_ticket("ticket.sla_recomputed", ticket)
            done += 1
    return done
