"""Dispatch: an order to a technician, by hand, in bulk or automatically."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hotline.accounts.models import Technician
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record
from hotline.stored_text import labels, stored
from hotline.tickets import notify
from hotline.tickets.models import Ticket
from hotline.tickets.routing import best_technician, serves
from hotline.tickets.services.common import history_add, publish_ticket, require, require_in_scope
from hotline.tickets.services.transitions import _transition, lock
from hotline.tickets.workflow import PERM_DISPATCH, IllegalTransition, State

CROSS_REGION = "tickets.dispatch_cross_region"


def sms_to_technician(
    ticket: Ticket, technician: Technician, *, line_id: int, reassigned: bool = False
) -> None:
    """Order number, address, contact and the signed link, to the technician's mobile."""
    contact = ticket.contact_name
    if ticket.contact_phone:
        contact = f"{contact} {ticket.contact_phone}".strip()
    text = stored(
        gettext_noop(
            "[Hotline] Work order %(number)s %(type)s: %(address)s, %(contact)s. %(link)s"
        ),
        number=ticket.number,
        type=labels(ticket.order_type.label_zh, ticket.order_type.label_en),
        address=ticket.address or ticket.region.name,
        contact=contact or "—",
        link=notify.technician_link(line_id),
    )
    notify.sms(
        to=technician.mobile,
        text=text,
        ticket=ticket,
        purpose="reassigned" if reassigned else "dispatched",
        key=str(line_id),
    )


def _check_technician(ticket: Ticket, technician: Technician, by: Any) -> bool:
    """Raise if ``by`` may not send ``ticket`` to ``technician``; return whether it is
    cross-region."""
    if not technician.active or not technician.user.is_active:
        raise ValidationError({"technician": _("This technician is not active.")})
    if serves(technician, ticket.region):
        return False
    if by is not None and not by.has_perm(CROSS_REGION):
        raise ValidationError(
            {
                "technician": _(
                    "This technician does not serve the order's region; dispatching across "
                    "regions needs the cross-region permission."
                )
            }
        )
    return True


def _dispatch(
    *,
    ticket: Ticket,
    technician: Technician,
    by: Any,
    action: str,
    note: str,
    now: datetime.datetime | None,
    automatic: bool = False,
) -> Ticket:
    data: dict[str, Any] = {"technician": str(technician), "technician_id": technician.pk}
    if automatic:
        data["automatic"] = True

    def apply(t: Ticket, at: datetime.datetime) -> list[str]:
        # Checked on the locked row: the caller may hold a stale copy or only the id.
        same = t.technician_id == technician.pk
        if same and t.previous_state == State.DISPATCHED:  # type: ignore[attr-defined]
            raise ValidationError({"technician": _("The order is already with this technician.")})
        if _check_technician(t, technician, by):
            data["cross_region"] = True
        t.technician = technician
        t.dispatched_at = at
        return ["technician", "dispatched_at", *t.set_owner(technician.user_id, level=0, at=at)]

    with transaction.atomic():
        ticket = _transition(
            ticket=ticket,
            action=action,
            by=by,
            note=note,
            now=now,
            apply=apply,
            data=data,
            technician_id=technician.pk,
        )
        sms_to_technician(ticket, technician, line_id=ticket.history_line_id)  # type: ignore[attr-defined]
    return ticket


def ticket_dispatch(
    *,
    ticket: Ticket,
    technician: Technician,
    by: Any,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Ticket:
    """Send a new or reopened order to ``technician`` (SMS with the signed link)."""
    return _dispatch(
        ticket=ticket, technician=technician, by=by, action="dispatch", note=note, now=now
    )


def ticket_redispatch(
    *,
    ticket: Ticket,
    technician: Technician,
    by: Any,
    note: str,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Give an order already dispatched to another technician, with the reason."""
    return _dispatch(
        ticket=ticket, technician=technician, by=by, action="redispatch", note=note, now=now
    )


def ticket_dispatch_auto(
    *, ticket: Ticket, by: Any = None, note: str = "", now: datetime.datetime | None = None
) -> Ticket | None:
    """Dispatch to the best fitting technician; ``None`` if nobody fits."""
    technician = best_technician(ticket)
    if technician is None:
        return None
    action = "dispatch" if ticket.state in (State.NEW, State.REOPENED) else "redispatch"
    return _dispatch(
        ticket=ticket,
        technician=technician,
        by=by,
        action=action,
        note=note or _("Dispatched automatically to the best fitting technician."),
        now=now,
        automatic=True,
    )


def ticket_bulk_dispatch(
    *, tickets: list[Ticket], by: Any, technician: Technician | None = None, note: str = ""
) -> dict[str, list[str]]:
    """Dispatch several orders: to ``technician``, or each to its best fitting technician.

    Each order commits on its own (a short transaction each), so one refusal does not undo
    the others; the answer lists what was dispatched and why the rest was not.
    """
    require(by, PERM_DISPATCH)
    done: list[str] = []
    failed: list[str] = []
    for ticket in tickets:
        try:
            if technician is not None and ticket.state in (State.NEW, State.REOPENED):
                ticket_dispatch(ticket=ticket, technician=technician, by=by, note=note)
            elif technician is not None:
                ticket_redispatch(
                    ticket=ticket,
                    technician=technician,
                    by=by,
                    note=note or _("Bulk re-dispatch"),
                )
            elif ticket_dispatch_auto(ticket=ticket, by=by, note=note) is None:
                nobody = _("no technician fits")
                failed.append(f"{ticket.number}: {nobody}")
                continue
            done.append(ticket.number)
        except (ValidationError, PermissionDenied) as error:
            message = "; ".join(getattr(error, "messages", [str(error)]))
            failed.append(f"{ticket.number}: {message}")
        except IllegalTransition as error:
            failed.append(f"{ticket.number}: {error.message}")
    return {"dispatched": done, "failed": failed}


def ticket_take(*, ticket: Ticket, by: Any, note: str = "", now: Any = None) -> Ticket:
    """An owner up the chain takes the order over: the escalation stops with them."""
    require(by, PERM_DISPATCH)
    now = now or timezone.now()
    with acting_as(by), transaction.atomic():
        locked = lock(ticket)
        require_in_scope(by, locked)
        if not locked.is_open:
            raise ValidationError({"state": _("Only open orders can be taken over.")})
        previous = str(locked.owner) if locked.owner_id else None
        fields = locked.set_owner(
            by.pk, level=locked.escalation_level, at=now, acknowledged=True, at_top=locked.at_top
        )
        locked.updated_at = now
        locked.save(update_fields=[*fields, "updated_at"])
        history_add(locked, "taken", by=by, note=note, owner_id=by.pk, at=now)
        audit_record(
            action="update",
            obj=locked,
            changes={"owner": [previous, str(by)], "owner_acknowledged": [False, True]},
        )
        publish_ticket("ticket.taken", locked, note=note)
    return locked
