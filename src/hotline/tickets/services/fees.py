"""Service charges on orders, and the monthly settlement per region and service outlet."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.audit.record import audit_saved
from hotline.tickets.models import FeeItem, Ticket, TicketCharge
from hotline.tickets.services.common import history_add, publish_ticket, require, require_in_scope
from hotline.tickets.workflow import State

CHARGE = "tickets.add_ticketcharge"


def ticket_charge_add(
    *, ticket: Ticket, by: Any, fee_item: FeeItem, quantity: int = 1
) -> TicketCharge:
    """Add ``quantity`` × ``fee_item`` to the order (its technician, or the desk)."""
    require(by, CHARGE)
    require_in_scope(by, ticket)
    if (
        by is not None
        and by.has_perm("tickets.work_ticket")
        and not by.has_perm("tickets.dispatch_ticket")
        and (ticket.technician is None or ticket.technician.user_id != by.pk)
    ):
        raise PermissionDenied("not your order")
    if ticket.state == State.CANCELLED:
        raise ValidationError({"ticket": _("A cancelled order carries no charges.")})
    if not fee_item.active:
        raise ValidationError({"fee_item": _("This fee item is no longer in use.")})
    if not 1 <= quantity <= 99:
        raise ValidationError({"quantity": _("Give a quantity from 1 to 99.")})
    with acting_as(by), transaction.atomic():
        charge = TicketCharge.objects.create(
            ticket=ticket,
            fee_item=fee_item,
            quantity=quantity,
            amount=(Decimal(str(fee_item.amount)) * quantity).quantize(Decimal("0.01")),
            created_by=by,
        )
        audit_saved(charge, created=True)
        history_add(
            ticket,
            "charged",
            by=by,
            note=f"{fee_item.label} × {quantity} = {charge.amount}",
            data={"fee_item": fee_item.code, "amount": str(charge.amount)},
        )
        publish_ticket("ticket.charged", ticket, fee_item=fee_item.code, amount=str(charge.amount))
    return charge


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The month in local time, as aware datetimes [start, end)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def settlement_rows(*, user: Any, year: int, month: int) -> list[dict[str, Any]]:
    """Charges of the orders resolved in the month, per service outlet (the order's station)
    and fee item, inside ``user``'s regions."""
    if not user.has_perm("tickets.export_settlement"):
        raise PermissionDenied("tickets.export_settlement")
    start, end = month_bounds(year, month)
    visible = Ticket.objects.visible_to(user).filter(resolved_at__gte=start, resolved_at__lt=end)
    rows = (
        TicketCharge.objects.filter(ticket__in=visible.values("id"))
        .values(
            "ticket__region__path",
            "ticket__region__name",
            "fee_item__code",
            "fee_item__label_zh",
            "fee_item__label_en",
        )
        .annotate(
            orders=Count("ticket", distinct=True), quantity=Sum("quantity"), amount=Sum("amount")
        )
        .order_by("ticket__region__path", "fee_item__code")
    )
    return list(rows)
