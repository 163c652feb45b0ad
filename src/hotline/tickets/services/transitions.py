"""The workflow's transitions, one service each, all through ``_transition``.

Every transition locks the order's row, looks itself up in ``workflow.TRANSITIONS`` (an
illegal one raises ``IllegalTransition`` naming both states), checks the permission, the
region scope and, for a technician's action, that the order is theirs; then changes the
order, writes the history line and the audit entry, and publishes ``ticket.<event>``.
Timers, pushes, webhooks and the customer's timeline follow from that event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import Region, Technician
from hotline.audit.context import acting_as
from hotline.audit.record import audit_saved
from hotline.config_cache import config_cached, config_row
from hotline.tickets import sla
from hotline.tickets.clock import calendar_for
from hotline.tickets.models import OrderType, SlaPolicy, Ticket
from hotline.tickets.services.common import (
    history_add,
    publish_ticket,
    require,
    require_in_scope,
)
from hotline.tickets.workflow import TRANSITIONS, IllegalTransition, State, transition_for

# Transition name → event name (``ticket.<event>``).
EVENTS = {
    "dispatch": "dispatched",
    "redispatch": "dispatched",
    "accept": "accepted",
    "arrive": "arrived",
    "resolve": "resolved",
    "pause": "paused",
    "resume": "resumed",
    "verify": "verified",
    "close": "closed",
    "cancel": "cancelled",
    "reopen": "reopened",
    "fault_resolve": "resolved",
}

Apply = Callable[[Ticket, datetime.datetime], list[str]]


def lock(ticket: Ticket) -> Ticket:
    """The order's row, locked for this transaction (PostgreSQL; SQLite serialises writes).

    Its type, region, SLA policy and technician (with their user) are configuration, kept
    by ``config_cache`` and shared read-only: only the order's own row is read."""
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    locked.order_type = config_row(OrderType, locked.order_type_id)
    locked.region = config_row(Region, locked.region_id)
    if locked.sla_policy_id is not None:
        locked.sla_policy = config_row(SlaPolicy, locked.sla_policy_id)
    if locked.technician_id is not None:
        locked.technician = technician_row(locked.technician_id)
    return locked


def technician_row(pk: int) -> Technician:
    """The technician ``pk`` with their user, kept until staff configuration changes."""
    return config_cached(
        "row:technician", pk, lambda: Technician.objects.select_related("user").get(pk=pk)
    )


def _transition(
    *,
    ticket: Ticket,
    action: str,
    by: Any,
    note: str = "",
    now: datetime.datetime | None = None,
    apply: Apply | None = None,
    data: dict[str, Any] | None = None,
    technician_id: int | None = None,
    timer_id: int | None = None,
) -> Ticket:
    now = now or timezone.now()
    note = (note or "").strip()
    with acting_as(by), transaction.atomic():
        locked = lock(ticket)
        known = TRANSITIONS.get(action)
        if known is None:
            raise IllegalTransition(action, locked.state)
        # Who may do it first: a person without the right learns nothing about the state.
        require(by, known.permission)
        require_in_scope(by, locked)
        transition, target = transition_for(action, locked.state, paused_from=locked.paused_from)
        if (
            transition.assignee_only
            and by is not None
            and (locked.technician is None or locked.technician.user_id != by.pk)
        ):
            raise PermissionDenied("not your order")
        if transition.note_required and not note:
            raise ValidationError({"note": _("Give a reason.")})
        from_state = locked.state
        locked.previous_state = from_state  # type: ignore[attr-defined]
        locked.state = target
        changed = ["state", "updated_at"]
        if apply is not None:
            changed += apply(locked, now)
        locked.updated_at = now
        # Before the save: the save resets the snapshot the changes are measured against.
        audit_saved(locked, fields=[f for f in changed if f != "updated_at"])
        locked.save(update_fields=sorted(set(changed)))
        locked.history_line_id = history_add(  # type: ignore[attr-defined]
            locked,
            action,
            by=by,
            from_state=from_state,
            to_state=target,
            note=note,
            technician_id=technician_id if technician_id is not None else locked.technician_id,
            owner_id=locked.owner_id,
            timer_id=timer_id,
            data=data,
            at=now,
        ).pk
        publish_ticket(
            f"ticket.{EVENTS[action]}",
            locked,
            action=action,
            note=note,
            **{"from": from_state, "to": target},
            **(data or {}),
        )
    ticket.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    ticket._audit_snapshot = locked._audit_snapshot
    return locked


def ticket_accept(*, ticket: Ticket, by: Any, note: str = "", now: Any = None) -> Ticket:
    """The technician takes the order (first response)."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        fields = ["accepted_at"]
        if t.accepted_at is None and t.response_met is None:
            t.response_met = sla.met(at, t.response_due_at)
            fields.append("response_met")
        t.accepted_at = at
        owner = t.technician.user_id if t.technician else t.owner_id
        return fields + t.set_owner(owner, level=0, at=at, acknowledged=True)

    return _transition(ticket=ticket, action="accept", by=by, note=note, now=now, apply=apply)


def ticket_arrive(*, ticket: Ticket, by: Any, note: str = "", now: Any = None) -> Ticket:
    """The technician is at the customer's."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        fields = ["arrived_at"]
        if t.arrived_at is None:
            t.arrival_met = sla.met(at, t.arrival_due_at)
            fields.append("arrival_met")
        t.arrived_at = at
        return fields

    return _transition(ticket=ticket, action="arrive", by=by, note=note, now=now, apply=apply)


def _resolved(t: Ticket, at: datetime.datetime) -> list[str]:
    t.resolved_at = at
    t.resolution_met = sla.met(at, t.resolution_due_at)
    t.callback_state = "pending"
    return ["resolved_at", "resolution_met", "callback_state"]


def ticket_resolve(
    *,
    ticket: Ticket,
    by: Any,
    note: str,
    parts_used: str = "",
    confirmation_code: str = "",
    now: Any = None,
) -> Ticket:
    """The technician finished the work: notes, parts used and, when the order type asks for
    it, the code the customer received. Starts the callback step."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        if t.confirmation_code and (confirmation_code or "").strip() != t.confirmation_code:
            raise ValidationError({"confirmation_code": _("The confirmation code does not match.")})
        t.resolution_note = note.strip()
        t.parts_used = (parts_used or "").strip()
        return [*_resolved(t, at), "resolution_note", "parts_used"]

    return _transition(
        ticket=ticket,
        action="resolve",
        by=by,
        note=note,
        now=now,
        apply=apply,
        data={"parts_used": (parts_used or "").strip()} if parts_used else None,
    )


def ticket_fault_resolve(*, ticket: Ticket, by: Any, note: str, now: Any = None) -> Ticket:
    """Resolve a report together with the area fault it is linked to."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        t.resolution_note = note
        return [*_resolved(t, at), "resolution_note"]

    return _transition(
        ticket=ticket, action="fault_resolve", by=by, note=note, now=now, apply=apply
    )


def ticket_pause(*, ticket: Ticket, by: Any, note: str, now: Any = None) -> Ticket:
    """Waiting for the customer (not home, parts to buy…): the SLA clock stops."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        t.paused_from = t.previous_state  # type: ignore[attr-defined]
        t.paused_at = at
        return ["paused_from", "paused_at"]

    return _transition(ticket=ticket, action="pause", by=by, note=note, now=now, apply=apply)


def ticket_resume(*, ticket: Ticket, by: Any, note: str = "", now: Any = None) -> Ticket:
    """The customer is ready again: the deadlines still ahead move by the pause."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        if t.paused_at is None or t.sla_policy is None:
            t.paused_at, t.paused_from = None, ""
            return ["paused_at", "paused_from"]
        targets = t.sla_policy.targets()
        before = sla.Deadlines(
            response=t.response_due_at,
            arrival=t.arrival_due_at,
            resolution=t.resolution_due_at,
            closure=t.closure_due_at,
            warning=t.warning_at,
        )
        after = sla.deadlines_after_pause(
            before,
            targets,
            paused_at=t.paused_at,
            resumed_at=at,
            calendar=calendar_for(t.sla_policy.calendar_name),
        )
        t.response_due_at, t.arrival_due_at = after.response, after.arrival
        t.resolution_due_at, t.closure_due_at = after.resolution, after.closure
        t.warning_at = after.warning
        t.paused_at, t.paused_from = None, ""
        return [
            "paused_at",
            "paused_from",
            "response_due_at",
            "arrival_due_at",
            "resolution_due_at",
            "closure_due_at",
            "warning_at",
        ]

    return _transition(ticket=ticket, action="resume", by=by, note=note, now=now, apply=apply)


def ticket_verify(
    *, ticket: Ticket, by: Any, satisfied: bool | None = None, note: str = "", now: Any = None
) -> Ticket:
    """The callback confirmed the repair (the survey records satisfaction)."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        t.verified_at, t.callback_state, t.satisfied = at, "done", satisfied
        return ["verified_at", "callback_state", "satisfied"]

    return _transition(
        ticket=ticket,
        action="verify",
        by=by,
        note=note,
        now=now,
        apply=apply,
        data={"satisfied": satisfied},
    )


def ticket_close(*, ticket: Ticket, by: Any, note: str = "", now: Any = None) -> Ticket:
    """The loop is closed."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        t.closed_at = at
        t.closure_met = sla.met(at, t.closure_due_at)
        return ["closed_at", "closure_met"]

    return _transition(ticket=ticket, action="close", by=by, note=note, now=now, apply=apply)


def ticket_cancel(*, ticket: Ticket, by: Any, note: str, now: Any = None) -> Ticket:
    """Cancelled (opened by mistake, the customer withdrew…), with the reason."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        t.cancelled_at = at
        t.paused_at, t.paused_from = None, ""
        return ["cancelled_at", "paused_at", "paused_from"]

    return _transition(ticket=ticket, action="cancel", by=by, note=note, now=now, apply=apply)


def ticket_reopen(*, ticket: Ticket, by: Any, note: str, now: Any = None) -> Ticket:
    """The fault is back: the order goes to its region's owner to be dispatched again."""

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        from hotline.tickets.routing import escalation_chain

        chain = escalation_chain(t.region)
        owner_fields = t.set_owner(
            chain[0] if chain else None,
            level=1 if chain else 0,
            at=at,
            at_top=len(chain) <= 1,
        )
        t.callback_state, t.satisfied = "", None
        t.verified_at = t.closed_at = None
        t.closure_met = None
        return [
            *owner_fields,
            "callback_state",
            "satisfied",
            "verified_at",
            "closed_at",
            "closure_met",
        ]

    return _transition(ticket=ticket, action="reopen", by=by, note=note, now=now, apply=apply)


def ticket_transition(*, ticket: Ticket, action: str, by: Any, **kwargs: Any) -> Ticket:
    """Run the transition named ``action`` (the API's and the pages' single door)."""
    from hotline.tickets.services.dispatching import ticket_dispatch, ticket_redispatch

    services: dict[str, Callable[..., Ticket]] = {
        "dispatch": ticket_dispatch,
        "redispatch": ticket_redispatch,
        "accept": ticket_accept,
        "arrive": ticket_arrive,
        "resolve": ticket_resolve,
        "pause": ticket_pause,
        "resume": ticket_resume,
        "verify": ticket_verify,
        "close": ticket_close,
        "cancel": ticket_cancel,
        "reopen": ticket_reopen,
    }
    service = services.get(action)
    if service is None:
        from hotline.tickets.workflow import IllegalTransition

        raise IllegalTransition(action, getattr(ticket, "state", ""))
    return service(ticket=ticket, by=by, **kwargs)


__all__ = [
    "EVENTS",
    "State",
    "lock",
    "ticket_accept",
    "ticket_arrive",
    "ticket_cancel",
    "ticket_close",
    "ticket_fault_resolve",
    "ticket_pause",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_resume",
    "ticket_transition",
    "ticket_verify",
]
