"""Reassign and escalate until someone owns the order.

1. A new order goes to the first person of its region's chain (the station's dispatcher),
   or straight to the best technician when its type dispatches automatically.
2. A technician who does not accept in time: the order goes to the next fitting technician
   (same region, skill, least load) who has not had it yet.
3. Nobody fits, or an owner does not act in time: the order goes one step up the chain
   (dispatchers, team leads, managers of the region, then of the regions above it), until
   someone takes it, dispatches it, or the top of the chain is reached.
4. At the top, its owner is reminded at an interval (the SLA policy's, else the setting)
   until someone takes the order.
Every step is a history line, an event, a push to the new owner and an SMS.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_noop

from hotline.accounts.models import User
from hotline.audit.record import audit_record
from hotline.stored_text import Stored, in_site_language, joined, stored
from hotline.tickets import notify
from hotline.tickets.models import Ticket, TicketHistory
from hotline.tickets.routing import best_technician, escalation_chain
from hotline.tickets.services.common import history_add, publish_ticket
from hotline.tickets.workflow import State


def _notify_owner(ticket: Ticket, user_id: int | None, text: Stored, purpose: str) -> None:
    if user_id is None:
        return
    phone = User.objects.filter(pk=user_id).values_list("phone", flat=True).first()
    if phone:
        notify.sms(to=phone, text=text, ticket=ticket, purpose=purpose)


def _set_owner(
    ticket: Ticket, *, level: int, owner_id: int | None, at_top: bool, now: datetime.datetime
) -> None:
    fields = ticket.set_owner(owner_id, level=level, at=now, at_top=at_top)
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def ticket_first_owner(
    *, ticket: Ticket, now: datetime.datetime, chain: list[int] | None = None
) -> None:
    """Give a just-opened order its first owner (inside ``ticket_open``'s transaction).
    ``chain``: the region's escalation chain, when the caller has it already."""
    if ticket.order_type.auto_dispatch:
        from hotline.tickets.services.dispatching import ticket_dispatch_auto

        if ticket_dispatch_auto(ticket=ticket, by=None, now=now) is not None:
            return
    chain = escalation_chain(ticket.region) if chain is None else chain
    if not chain:
        history_add(
            ticket,
            "no_owner",
            note=stored(gettext_noop("Nobody in this region's chain to own it.")),
        )
        return
    _set_owner(ticket, level=1, owner_id=chain[0], at_top=len(chain) == 1, now=now)
    history_add(ticket, "owner_assigned", owner_id=chain[0], data={"level": 1}, at=now)
    publish_ticket("ticket.owner_assigned", ticket, owner_id=chain[0], level=1)


def tried_technicians(ticket: Ticket) -> set[int]:
    """Technicians this order was already sent to."""
    return set(
        TicketHistory.objects.filter(
            ticket=ticket, action__in=["dispatch", "redispatch", "reassigned"]
        )
        .exclude(technician__isnull=True)
        .values_list("technician_id", flat=True)
    )


def escalate(
    ticket: Ticket, *, reason: Stored, timer_id: int | None, now: datetime.datetime
) -> str:
    """Move the order one step up its chain; return the outcome."""
    chain = escalation_chain(ticket.region)
    level = ticket.escalation_level
    if level >= len(chain):
        # The top is told now; from here it is reminded every interval (``remind_top``).
        ticket.at_top = True
        ticket.reminded_at = now
        ticket.save(update_fields=["at_top", "reminded_at"])
        history_add(
            ticket,
            "escalation_top",
            note=reason,
            owner_id=ticket.owner_id,
            timer_id=timer_id,
            at=now,
        )
        _notify_owner(
            ticket,
            ticket.owner_id,
            stored(
                gettext_noop(
                    "[Hotline] Work order %(number)s still has nobody acting on it: please take it."
                ),
                number=ticket.number,
            ),
            "escalation",
        )
        publish_ticket("ticket.escalated", ticket, top=True)
        return "top"
    owner_id = chain[level]
    previous = ticket.owner_id
    _set_owner(ticket, level=level + 1, owner_id=owner_id, at_top=level + 1 >= len(chain), now=now)
    history_add(
        ticket,
        "escalated",
        note=reason,
        owner_id=owner_id,
        timer_id=timer_id,
        data={"level": level + 1, "previous_owner_id": previous},
        at=now,
    )
    audit_record(
        action="update",
        obj=ticket,
        changes={"owner": [previous, owner_id], "escalation_level": [level, level + 1]},
    )
    _notify_owner(
        ticket,
        owner_id,
        stored(
            gettext_noop("[Hotline] Work order %(number)s was escalated to you: %(reason)s"),
            number=ticket.number,
            reason=reason,
        ),
        "escalation",
    )
    publish_ticket("ticket.escalated", ticket, owner_id=owner_id, level=level + 1)
    return f"escalated:{level + 1}"


def reassign_or_escalate(ticket: Ticket, *, timer_id: int | None, now: datetime.datetime) -> str:
    """The technician did not accept in time: the next fitting one, or one step up."""
    from hotline.tickets.services.dispatching import sms_to_technician

    previous = ticket.technician
    minutes = ticket.sla_policy.accept_minutes if ticket.sla_policy else 0
    reason = stored(
        gettext_noop("%(technician)s did not accept within %(minutes)d minutes."),
        technician=str(previous) if previous else "—",
        minutes=minutes,
    )
    exclude = tried_technicians(ticket) | ({previous.pk} if previous else set())
    technician = best_technician(ticket, exclude=exclude)
    if technician is None:
        return escalate(
            ticket,
            reason=joined(reason, stored(gettext_noop("No other technician fits."))),
            timer_id=timer_id,
            now=now,
        )
    ticket.technician = technician
    ticket.dispatched_at = now
    ticket.updated_at = now
    fields = ticket.set_owner(technician.user_id, level=0, at=now)
    ticket.save(update_fields=["technician", "dispatched_at", "updated_at", *fields])
    line = history_add(
        ticket,
        "reassigned",
        from_state=State.DISPATCHED,
        to_state=State.DISPATCHED,
        note=reason,
        technician_id=technician.pk,
        owner_id=technician.user_id,
        timer_id=timer_id,
        data={"previous_technician_id": previous.pk if previous else None},
        at=now,
    )
    audit_record(
        action="update",
        obj=ticket,
        changes={"technician": [str(previous) if previous else None, str(technician)]},
    )
    sms_to_technician(ticket, technician, line_id=line.pk, reassigned=True)
    publish_ticket(
        "ticket.reassigned",
        ticket,
        previous_technician_id=previous.pk if previous else None,
        reason=in_site_language(reason),
    )
    return f"reassigned:{technician.pk}"


def sla_warning(ticket: Ticket, *, timer_id: int | None, now: datetime.datetime) -> str:
    due = ticket.resolution_due_at
    history_add(
        ticket,
        "sla_warning",
        note=stored(gettext_noop("Resolution due at %(due)s."), due=due or "—"),
        owner_id=ticket.owner_id,
        timer_id=timer_id,
        at=now,
    )
    _notify_owner(
        ticket,
        ticket.owner_id,
        stored(
            gettext_noop("[Hotline] Work order %(number)s is close to its resolution deadline."),
            number=ticket.number,
        ),
        "sla_warning",
    )
    publish_ticket("ticket.sla_warning", ticket)
    return "warned"


def sla_breach(ticket: Ticket, *, timer_id: int | None, now: datetime.datetime) -> str:
    """The resolution deadline passed: recorded, and the chain's first person told."""
    chain = escalation_chain(ticket.region)
    lead = next((user_id for user_id in chain if user_id != ticket.owner_id), None)
    history_add(
        ticket,
        "sla_breached",
        note=stored(gettext_noop("The resolution deadline has passed.")),
        owner_id=ticket.owner_id,
        timer_id=timer_id,
        data={"told": [x for x in (ticket.owner_id, lead) if x]},
        at=now,
    )
    for user_id in (ticket.owner_id, lead):
        _notify_owner(
            ticket,
            user_id,
            stored(
                gettext_noop("[Hotline] Work order %(number)s missed its resolution deadline."),
                number=ticket.number,
            ),
            "sla_breach",
        )
    publish_ticket("ticket.sla_breached", ticket, told_id=lead)
    return "breached"


def remind_top(ticket: Ticket, *, timer_id: int | None, now: datetime.datetime) -> str:
    """Nobody took the order at the top of the chain: tell its owner again (history line,
    push and SMS); the next reminder follows one interval later, until someone takes it."""
    from hotline.tickets.services.timers import reminder_minutes

    number = (
        TicketHistory.objects.filter(
            ticket=ticket, action="reminder", owner_id=ticket.owner_id, at__gte=ticket.owner_since
        ).count()
        + 1
        if ticket.owner_since
        else 1
    )
    history_add(
        ticket,
        "reminder",
        note=stored(
            gettext_noop(
                "Reminder %(n)d: nobody has taken the order yet; reminded every %(minutes)d "
                "minutes until someone does."
            ),
            n=number,
            minutes=reminder_minutes(ticket.sla_policy),
        ),
        owner_id=ticket.owner_id,
        timer_id=timer_id,
        data={"reminder": number, "owner_id": ticket.owner_id},
        at=now,
    )
    ticket.reminded_at = now
    ticket.save(update_fields=["reminded_at"])
    owner_phone = (
        User.objects.filter(pk=ticket.owner_id).values_list("phone", flat=True).first()
        if ticket.owner_id
        else None
    )
    if owner_phone:
        notify.sms(
            to=owner_phone,
            text=stored(
                gettext_noop(
                    "[Hotline] Reminder: work order %(number)s still has nobody acting on it: "
                    "please take it."
                ),
                number=ticket.number,
            ),
            ticket=ticket,
            purpose="reminder",
            key=f"timer{timer_id}" if timer_id else "",
        )
    publish_ticket("ticket.reminded", ticket, owner_id=ticket.owner_id, reminder=number)
    return f"reminded:{number}"


def handlers() -> dict[str, Any]:
    """Timer kind → handler(ticket, timer_id=, now=) → outcome."""
    return {
        "accept": reassign_or_escalate,
        "owner": lambda ticket, *, timer_id, now: escalate(
            ticket,
            reason=stored(gettext_noop("Nobody acted on the order in time.")),
            timer_id=timer_id,
            now=now,
        ),
        "warning": sla_warning,
        "breach": sla_breach,
        "remind": remind_top,
    }
