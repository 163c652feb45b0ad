"""Read queries for work orders; every one is scoped to the user's regions."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hotline.accounts.models import Region
from hotline.tickets.models import AreaFault, OrderType, Ticket, TicketHistory
from hotline.tickets.workflow import OPEN_STATES, State

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

VIEW = "tickets.view_ticket"


def _require_view(user: Any) -> None:
    if not user.has_perm(VIEW):
        raise PermissionDenied(VIEW)


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    _require_view(user)
    return Ticket.objects.visible_to(user)


def get_ticket_for(user: Any, pk: int, *, related: tuple[str, ...] | None = None) -> Ticket:
    """The order ``pk`` if ``user`` may see it; 404 otherwise (never "exists but forbidden").

    ``related`` names what to load with it (the detail page's set by default; the API and
    the actions load less).
    """
    try:
        related = DETAIL_RELATED if related is None else related
        return visible_tickets(user).select_related(*related).get(pk=pk)
    except (Ticket.DoesNotExist, PermissionDenied):
        raise Http404("ticket") from None


def get_ticket_by_number_for(user: Any, number: str) -> Ticket:
    try:
        return visible_tickets(user).select_related(*DETAIL_RELATED).get(number=number)
    except (Ticket.DoesNotExist, PermissionDenied):
        raise Http404("ticket") from None


ACTION_RELATED = ("order_type", "region", "technician__user")
DETAIL_RELATED = (
    "order_type",
    "category",
    "region",
    "customer",
    "technician__user",
    "owner",
    "created_by",
    "sla_policy",
    "repeat_of",
    "area_fault",
)
LIST_RELATED = ("order_type", "region", "technician__user", "owner", "customer")


# What each history line says, for actions that are not workflow steps (those are labelled
# by their transition, ``workflow.TRANSITIONS``).
HISTORY_LABELS = {
    "created": pgettext_lazy("order history", "Opened"),
    "owner_assigned": pgettext_lazy("order history", "Owner assigned"),
    "no_owner": pgettext_lazy("order history", "Nobody to own it"),
    "taken": pgettext_lazy("order history", "Taken over"),
    "reassigned": pgettext_lazy("order history", "Reassigned"),
    "escalated": pgettext_lazy("order history", "Escalated"),
    "escalation_top": pgettext_lazy("order history", "Top of the chain reached"),
    "reminder": pgettext_lazy("order history", "Reminder"),
    "sla_warning": pgettext_lazy("order history", "Deadline warning"),
    "sla_breached": pgettext_lazy("order history", "Deadline missed"),
    "sla_provisional": pgettext_lazy("order history", "Deadlines provisional"),
    "sla_recomputed": pgettext_lazy("order history", "Deadlines recomputed"),
    "attached": pgettext_lazy("order history", "File attached"),
    "charged": pgettext_lazy("order history", "Charge added"),
    "note": pgettext_lazy("order history", "Note"),
    "article_drafted": pgettext_lazy("order history", "Knowledge article drafted"),
}


def history_label(action: str) -> str:
    from hotline.tickets.workflow import TRANSITIONS

    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(HISTORY_LABELS.get(action, action))


# Actor names of changes nobody made by hand (timers, start-up jobs).
SYSTEM_ACTORS = frozenset({"timer", "system", ""})


def ticket_history(ticket: Ticket) -> list[TicketHistory]:
    """The order's history, oldest first; ``by_system`` marks lines a timer or the system
    wrote (shown as such, never as a person)."""
    lines = list(
        TicketHistory.objects.filter(ticket=ticket)
        .select_related("technician__user", "owner")
        .order_by("at", "id")
    )
    for line in lines:
        line.label = history_label(line.action)
        line.from_label = State(line.from_state).label if line.from_state in State.values else ""
        line.to_label = State(line.to_state).label if line.to_state in State.values else ""
        line.by_system = line.timer_id is not None or (
            line.actor_id is None and line.actor_name in SYSTEM_ACTORS
        )
    return lines


@dataclass
class BoardFilters:
    region: Region | None = None
    states: list[str] = field(default_factory=list)
    order_type: OrderType | None = None
    priority: str = ""
    risk: str = ""
    technician_id: int | None = None
    unassigned: bool = False
    query: str = ""


def board_tickets(
    user: Any, filters: BoardFilters, *, now: datetime.datetime | None = None
) -> QuerySet[Ticket]:
    """Open orders for the dispatcher's board: most urgent deadline first."""
    now = now or timezone.now()
    tickets = visible_tickets(user)
    states = [s for s in filters.states if s in OPEN_STATES] or sorted(OPEN_STATES)
    tickets = tickets.filter(state__in=states, area_fault__isnull=True)
    if filters.region is not None:
        tickets = tickets.filter(region__path__startswith=filters.region.path)
    if filters.order_type is not None:
        tickets = tickets.filter(order_type=filters.order_type)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.technician_id:
        tickets = tickets.filter(technician_id=filters.technician_id)
    if filters.unassigned:
        tickets = tickets.filter(technician__isnull=True)
    if filters.query:
        tickets = tickets.filter(number__startswith=number_prefix(filters.query))
    if filters.risk == "breached":
        tickets = tickets.filter(resolution_due_at__lte=now, paused_at__isnull=True)
    elif filters.risk == "at_risk":
        tickets = tickets.filter(
            warning_at__lte=now, resolution_due_at__gt=now, paused_at__isnull=True
        )
    elif filters.risk == "ok":
        tickets = tickets.filter(Q(warning_at__gt=now) | Q(warning_at__isnull=True))
    return tickets.select_related(*LIST_RELATED).order_by("resolution_due_at", "id")


def board_summary(user: Any, *, region: Region | None = None) -> dict[str, Any]:
    """Open orders counted by region (the level below the chosen one) and state."""
    tickets = visible_tickets(user).filter(state__in=sorted(OPEN_STATES), area_fault__isnull=True)
    if region is not None:
        tickets = tickets.filter(region__path__startswith=region.path)
    counts = (
        tickets.values("region__path", "state").annotate(n=Count("id")).order_by("region__path")
    )
    depth = len(region.path.strip("/").split("/")) + 1 if region is not None else 1
    rows: dict[str, dict[str, int]] = {}
    for row in counts:
        codes = [c for c in row["region__path"].strip("/").split("/") if c]
        key = codes[min(depth, len(codes)) - 1]
        bucket = rows.setdefault(key, {})
        bucket[row["state"]] = bucket.get(row["state"], 0) + row["n"]
    names = dict(Region.objects.filter(code__in=list(rows)).values_list("code", "name"))
    states = [(s, State(s).label) for s in State.values if s in OPEN_STATES]
    return {
        "states": states,
        "rows": [
            {
                "code": code,
                "name": names.get(code, code),
                # (state label, count): a phone stacks the cells, each with its label.
                "cells": [(label, rows[code].get(s, 0)) for s, label in states],
                "total": sum(rows[code].values()),
            }
            for code in sorted(rows)
        ],
    }


def customer_tickets(user: Any, customer_id: int, *, limit: int = 20) -> dict[str, Any]:
    """A customer's open orders and the latest closed ones (the customer page's panel)."""
    tickets = (
        visible_tickets(user)
        .filter(customer_id=customer_id)
        .select_related("order_type", "technician__user")
    )
    open_orders = list(
        tickets.filter(state__in=sorted(OPEN_STATES)).order_by("-created_at")[:limit]
    )
    done = list(
        tickets.exclude(state__in=sorted(OPEN_STATES)).order_by("-created_at", "-id")[:limit]
    )
    return {"open_orders": open_orders, "done_orders": done}


def technician_orders(technician: Any, *, open_only: bool = True) -> QuerySet[Ticket]:
    """A technician's own orders ("my orders" on the phone), most urgent first."""
    tickets = Ticket.objects.filter(technician=technician).select_related("order_type", "region")
    if open_only:
        return tickets.filter(
            state__in=[State.DISPATCHED, State.ACCEPTED, State.ON_SITE, State.PENDING_CUSTOMER]
        ).order_by("resolution_due_at", "id")
    return tickets.order_by("-updated_at", "-id")


def area_faults_for_customer(customer: Any) -> list[AreaFault]:
    return list(AreaFault.objects.affecting(customer.region).order_by("-declared_at")[:5])


def number_prefix(query: str) -> str:
    """What an order-number search matches: upper case, without control characters (no
    number holds one, and PostgreSQL refuses a NUL in a query)."""
    return _CONTROL.sub("", query).strip().upper()


def ticket_list(user: Any, *, query: str = "", state: str = "") -> QuerySet[Ticket]:
    """Orders ``user`` may see, newest first, narrowed by number or state."""
    tickets = visible_tickets(user)
    if number_prefix(query):
        tickets = tickets.filter(number__startswith=number_prefix(query))
    if state:
        tickets = tickets.filter(state=state)
    return tickets.select_related(*LIST_RELATED).order_by("-created_at", "-id")


def form_rows(ticket: Ticket) -> list[tuple[str, str]]:
    """The order's custom fields as (label, text), in the type's order: a device by its label,
    a list (attachments) joined, anything else as text; a key the type no longer has, as is."""
    labels = {
        spec.key: spec.label for spec in ticket.order_type.fields.order_by("sort_order", "id")
    }
    return [
        (label, form_value_text(ticket.form_data[key]))
        for key, label in form_keys_labelled(ticket.form_data, labels)
    ]


def form_keys_labelled(form_data: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """The keys of ``form_data`` with their labels (``labels``: key → label, in the type's
    order), in that order; a key the type no longer has comes last, as is."""
    order = {key: index for index, key in enumerate(labels)}
    keys = sorted(form_data, key=lambda k: (order.get(k, len(order)), k))
    return [(key, str(labels.get(key, key))) for key in keys]


def form_value_text(value: Any) -> str:
    """One custom field's value as text: a device by its label, a list (attachments) joined."""
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
