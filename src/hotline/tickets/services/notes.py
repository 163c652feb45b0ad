"""A note on an order's history (a call with the customer, a part on order…)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.audit.record import audit_record
from hotline.tickets.models import Ticket, TicketHistory
from hotline.tickets.services.common import history_add, publish_ticket, require_in_scope
from hotline.tickets.workflow import PERM_DISPATCH, PERM_OPEN

MAX_NOTE = 2000


def may_note(user: Any, ticket: Ticket) -> bool:
    """Agents and dispatchers of the order's regions, and the order's own technician."""
    if user.has_perm(PERM_OPEN) or user.has_perm(PERM_DISPATCH):
        return True
    return bool(ticket.technician_id and ticket.technician.user_id == user.pk)


def ticket_note_add(
    *, ticket: Ticket, by: Any, text: str, now: datetime.datetime | None = None
) -> TicketHistory:
    """Add ``text`` to the order's history; audited; ``ticket.noted`` refreshes its page."""
    text = (text or "").strip()
    if by is not None and not may_note(by, ticket):
        raise PermissionDenied("note")
    require_in_scope(by, ticket)
    if not text:
        raise ValidationError({"note": _("Write the note.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
    now = now or timezone.now()
    with acting_as(by), transaction.atomic():
        line = history_add(ticket, "note", by=by, note=text, at=now)
        audit_record(action="update", obj=ticket, changes={"history_note": [None, text[:200]]})
        publish_ticket("ticket.noted", ticket, note=text[:500])
    return line
