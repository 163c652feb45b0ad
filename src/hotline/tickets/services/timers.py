"""Timers of open orders: kept in step with each order, fired exactly once by the scan.

``timers_sync`` (run in the transaction of every ``ticket.*`` event) makes an order's
pending timers equal to what its current state wants: a reassignment deadline while a
technician has not accepted, an escalation deadline while an owner up the chain has not
acted, the next reminder while the owner at the top of the chain has not taken it, the
warning and the resolution deadline while it is open and not paused.

``timer_fire`` claims one due timer with a conditional UPDATE *inside* the transaction that
also runs its handler, so the handler's changes and the "fired" mark commit together: with
two workers the second UPDATE finds no pending row (PostgreSQL waits on the row lock, SQLite
on the write lock); a worker killed half-way rolls everything back and the timer stays
pending for the next scan. A timer whose order has moved on is marked ``stale`` and does
nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.audit.context import acting_as, audit_actor
from hotline.tickets.models import Ticket, TicketTimer
from hotline.tickets.workflow import OPEN_STATES, State

Kind = TicketTimer.Kind


@dataclass(frozen=True)
class Wanted:
    kind: str
    due_at: datetime.datetime
    data: dict[str, Any]


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S.%f")


def reminder_minutes(policy: Any) -> int:
    """How often the top of the chain is reminded: the policy's interval, else the setting."""
    minutes = getattr(policy, "remind_minutes", None)
    return int(minutes or settings.TICKETS["TOP_REMINDER_MINUTES"])


def wanted_timers(ticket: Ticket) -> dict[str, Wanted]:
    """The timers ``ticket`` wants now, by key."""
    wanted: dict[str, Wanted] = {}
    policy = ticket.sla_policy
    if ticket.state not in OPEN_STATES or ticket.paused_at is not None or policy is None:
        return wanted
    if ticket.area_fault_id is not None:
        return wanted  # a caller's report: the fault's repair order carries the deadlines
    if (
        ticket.state == State.DISPATCHED
        and ticket.technician_id
        and ticket.escalation_level == 0
        and ticket.dispatched_at
    ):
        key = f"accept:{ticket.technician_id}:{_iso(ticket.dispatched_at)}"
        due = ticket.dispatched_at + datetime.timedelta(minutes=policy.accept_minutes)
        wanted[key] = Wanted(Kind.ACCEPT, due, {"technician_id": ticket.technician_id})
    if ticket.escalation_level >= 1 and not ticket.owner_acknowledged and ticket.owner_since:
        key = f"owner:{ticket.escalation_level}:{ticket.owner_id}:{_iso(ticket.owner_since)}"
        due = ticket.owner_since + datetime.timedelta(minutes=policy.escalate_minutes)
        wanted[key] = Wanted(
            Kind.OWNER, due, {"level": ticket.escalation_level, "owner_id": ticket.owner_id}
        )
    if (
        ticket.at_top
        and ticket.escalation_level >= 1
        and not ticket.owner_acknowledged
        and ticket.owner_id
        and ticket.reminded_at
        and ticket.owner_since
        and ticket.reminded_at >= ticket.owner_since
    ):
        # The top was told and nobody took it: remind again one interval after the last.
        key = f"remind:{ticket.owner_id}:{_iso(ticket.reminded_at)}"
        due = ticket.reminded_at + datetime.timedelta(minutes=reminder_minutes(policy))
        wanted[key] = Wanted(Kind.REMIND, due, {"owner_id": ticket.owner_id})
    if ticket.warning_at and ticket.resolution_due_at:
        wanted[f"warning:{_iso(ticket.warning_at)}"] = Wanted(Kind.WARNING, ticket.warning_at, {})
    if ticket.resolution_due_at:
        wanted[f"breach:{_iso(ticket.resolution_due_at)}"] = Wanted(
            Kind.BREACH, ticket.resolution_due_at, {}
        )
    return wanted


def timers_sync(ticket: Ticket, *, now: datetime.datetime | None = None, new: bool = False) -> None:
    """Cancel the pending timers ``ticket`` no longer wants; add the ones it lacks.

    A timer that already fired is never added again (its key is known), so a warning is
    given once even if the order is re-saved. ``new``: the order was just written, it has
    no timers yet. A service that publishes several events about the same order (opened,
    then given its owner) syncs once: the row it holds remembers the timers it wanted.
    """
    wanted = wanted_timers(ticket)
    if getattr(ticket, "_timers_synced", None) == frozenset(wanted):
        return
    existing = (
        {}
        if new
        else {
            key: (pk, status)
            for pk, key, status in TicketTimer.objects.filter(ticket_id=ticket.pk).values_list(
                "id", "key", "status"
            )
        }
    )
    obsolete = [
        pk
        for key, (pk, status) in existing.items()
        if status == TicketTimer.Status.PENDING and key not in wanted
    ]
    if obsolete:
        TicketTimer.objects.filter(pk__in=obsolete, status=TicketTimer.Status.PENDING).update(
            status=TicketTimer.Status.CANCELLED, outcome="cancelled"
        )
    missing = [
        TicketTimer(
            ticket_id=ticket.pk,
            kind=w.kind,
            key=key,
            due_at=w.due_at,
            data=w.data,
            created_at=now or timezone.now(),
        )
        for key, w in wanted.items()
        if key not in existing
    ]
    if missing:
        TicketTimer.objects.bulk_create(missing)
    ticket._timers_synced = frozenset(wanted)  # type: ignore[attr-defined]


def timer_fire(timer_id: int, *, now: datetime.datetime | None = None, worker: str = "") -> str:
    """Fire one timer if nobody else has; return its outcome ("" if someone else did)."""
    from hotline.tickets.services.escalation import handlers
    from hotline.tickets.services.transitions import lock

    now = now or timezone.now()
    with audit_actor(name="timer"), acting_as(None), transaction.atomic():
        claimed = TicketTimer.objects.filter(pk=timer_id, status=TicketTimer.Status.PENDING).update(
            status=TicketTimer.Status.DONE, fired_at=now, fired_by=worker[:100]
        )
        if not claimed:
            return ""
        timer = TicketTimer.objects.get(pk=timer_id)
        ticket = lock(timer.ticket)
        if timer.key not in wanted_timers(ticket):
            outcome = "stale"
        else:
            outcome = handlers()[timer.kind](ticket, timer_id=timer.pk, now=now)
        TicketTimer.objects.filter(pk=timer_id).update(outcome=outcome[:40])
    return outcome


def timers_due(*, now: datetime.datetime, limit: int) -> list[int]:
    """Ids of due pending timers, earliest first (one index range read)."""
    return list(
        TicketTimer.objects.filter(status=TicketTimer.Status.PENDING, due_at__lte=now)
        .order_by("status", "due_at")
        .values_list("id", flat=True)[:limit]
    )


def timers_run(
    *, now: datetime.datetime | None = None, worker: str = "", limit: int | None = None
) -> dict[str, int]:
    """Fire the due timers (each in its own short transaction); count the outcomes."""
    now = now or timezone.now()
    limit = limit or settings.TICKETS["TIMER_BATCH"]
    summary = {"due": 0, "fired": 0, "stale": 0, "taken_by_other": 0}
    ids = timers_due(now=now, limit=limit)
    summary["due"] = len(ids)
    for timer_id in ids:
        outcome = timer_fire(timer_id, now=now, worker=worker)
        if not outcome:
            summary["taken_by_other"] += 1
        elif outcome == "stale":
            summary["stale"] += 1
        else:
            summary["fired"] += 1
    return summary
