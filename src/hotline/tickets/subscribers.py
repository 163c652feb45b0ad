"""What the work-order app does with its own events: timers, timeline, pushes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from hotline.events import Event
from hotline.ids import parse_id
from hotline.push.send import push_send_many
from hotline.stored_text import Stored, in_site_language, joined, labels, stored

# Events that put a line on the customer's timeline, and its title.
TIMELINE_EVENTS = {
    "ticket.created": gettext_noop("Work order %(number)s %(type)s opened"),
    "ticket.dispatched": gettext_noop("Work order %(number)s %(type)s dispatched"),
    "ticket.resolved": gettext_noop("Work order %(number)s %(type)s resolved"),
    "ticket.closed": gettext_noop("Work order %(number)s %(type)s closed"),
    "ticket.cancelled": gettext_noop("Work order %(number)s %(type)s cancelled"),
    "ticket.reopened": gettext_noop("Work order %(number)s %(type)s reopened"),
}


def timeline_title(event_name: str, number: str, type_zh: str, type_en: str) -> Stored:
    """The timeline title of an order's step, in each reader's language."""
    return stored(TIMELINE_EVENTS[event_name], number=number, type=labels(type_zh, type_en))


def _ticket_id(event: Event) -> int | None:
    ticket = event.data.get("ticket")
    return ticket.get("id") if isinstance(ticket, dict) else None


def sync_timers(event: Event) -> None:
    """In the event's transaction: the order's timers follow its new state."""
    from hotline.tickets.models import Ticket
    from hotline.tickets.services.common import publishing_ticket
    from hotline.tickets.services.timers import timers_sync

    ticket_id = _ticket_id(event)
    if ticket_id is None:
        return
    ticket = publishing_ticket(ticket_id) or (
        Ticket.objects.select_related("sla_policy")
        .only(*TIMER_FIELDS, *TIMER_POLICY_FIELDS)
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is not None:
        timers_sync(ticket, now=event.occurred_at, new=event.name == "ticket.created")


# What ``timers.wanted_timers`` reads of an order.
TIMER_FIELDS = (
    "state",
    "paused_at",
    "area_fault",
    "sla_policy",
    "technician",
    "escalation_level",
    "dispatched_at",
    "owner",
    "owner_acknowledged",
    "owner_since",
    "warning_at",
    "resolution_due_at",
    "at_top",
    "reminded_at",
)
TIMER_POLICY_FIELDS = (
    "sla_policy__accept_minutes",
    "sla_policy__escalate_minutes",
    "sla_policy__remind_minutes",
)


def timeline_entry(event: Event) -> None:
    """In the event's transaction: the order's steps on the customer's timeline."""
    from hotline.customers.models import TimelineEntry

    data = event.data.get("ticket") or {}
    if event.name not in TIMELINE_EVENTS or not data.get("customer_id"):
        return
    worded: dict[str, Stored] = {
        "title": timeline_title(
            event.name, data["number"], data.get("type_label", ""), data.get("type_label_en", "")
        )
    }
    body = event.data.get("note") or event.data.get("description", "")
    if event.name == "ticket.dispatched" and event.data.get("technician"):
        worded["body"] = joined(
            stored(gettext_noop("To %(technician)s."), technician=event.data["technician"]), body
        )
        body = in_site_language(worded["body"])
    TimelineEntry.objects.create(
        customer_id=data["customer_id"],
        at=event.occurred_at,
        kind=TimelineEntry.Kind.ORDER,
        title=in_site_language(worded["title"])[:200],
        body=body[:2000],
        worded=worded,
        author_id=event.actor_id,
        ref_model="tickets.ticket",
        ref_id=str(data["id"]),
    )


def board_topics(region_path: str) -> list[str]:
    """The board topics an order is announced on: its own region's and the whole city's.
    (A board listens to every region of its user's scope, see ``views.board``.)"""
    codes = [code for code in region_path.strip("/").split("/") if code]
    return [f"ticketboard.{codes[-1]}", "ticketboard.all"] if codes else ["ticketboard.all"]


def push_ticket_event(event: Event) -> None:
    """After commit: open boards, the order's page, and the people it concerns."""
    data = event.data.get("ticket") or {}
    if not data.get("id"):
        return
    payload = {
        "id": data["id"],
        "number": data.get("number"),
        "state": data.get("state"),
        "by": event.actor_name,
    }
    # The boards, the order's own page (``ticket.<id>``: whoever may see the order, see
    # below) and the people it concerns, in one write to the relay table.
    topics = [*board_topics(data.get("region_path", "")), f"ticket.{data['id']}"]
    people = {data.get("owner_id"), event.data.get("owner_id"), data.get("technician_user_id")}
    topics += [f"user.{user_id}" for user_id in sorted(people - {None, event.actor_id})]
    push_send_many([(topic, event.name, payload) for topic in topics])


def board_topic_allowed(user: Any, key: str) -> bool:
    from hotline.accounts.models import Region
    from hotline.accounts.scope import regions_in_scope

    if not user.has_perm("tickets.view_ticket"):
        return False
    scope = regions_in_scope(user)
    if key == "all":
        return scope is None
    region_id = Region.objects.filter(code=key).values_list("id", flat=True).first()
    return region_id is not None and (scope is None or region_id in scope)


def ticket_topic_allowed(user: Any, key: str) -> bool:
    from django.http import Http404

    from hotline.tickets.selectors import get_ticket_for

    ticket_id = parse_id(key)
    if ticket_id is None:
        return False
    try:
        get_ticket_for(user, ticket_id)
    except Http404:
        return False
    return True


def area_fault_followups(event: Event) -> None:
    """After commit: BOSS hears of a declared fault; a resolved one resolves its reports."""
    from hotline.tickets.tasks import tickets_area_fault_boss, tickets_area_fault_resolve

    fault = event.data.get("area_fault") or {}
    if not fault.get("id"):
        return
    if event.name == "area_fault.declared":
        tickets_area_fault_boss.enqueue(fault_id=fault["id"])
    elif event.name == "area_fault.resolved":
        tickets_area_fault_resolve.enqueue(fault_id=fault["id"], user_id=event.actor_id, note="")
