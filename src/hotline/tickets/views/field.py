"""The technician's phone pages: my orders, accept, arrived, resolve, photos, the SMS link.

Plain forms and redirects, no script: they work on a slow connection and an old phone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import Technician
from hotline.audit.context import audit_actor
from hotline.audit.record import audit_record
from hotline.tickets import selectors
from hotline.tickets.apps import WORK
from hotline.tickets.forms import ChargeForm, ResolveForm
from hotline.tickets.models import Ticket, TicketHistory
from hotline.tickets.services.fees import ticket_charge_add
from hotline.tickets.services.opening import ticket_attach
from hotline.tickets.views.orders import _actions_for, run_action
from hotline.tickets.workflow import OPEN_STATES, State

FIELD_ACTIONS = ("accept", "arrive", "resolve", "pause", "resume")


def _technician(request: HttpRequest) -> Technician:
    technician = Technician.objects.filter(user=request.user).select_related("user").first()
    if technician is None:
        raise PermissionDenied("not a technician")
    return technician


def _own_order(request: HttpRequest, pk: int) -> Ticket:
    """One of the technician's own orders; 404 for any other."""
    technician = _technician(request)
    ticket = selectors.get_ticket_for(request.user, pk)
    if ticket.technician_id != technician.pk:
        raise Http404("ticket")
    return ticket


@permission_required(WORK, raise_exception=True)
def my_orders(request: HttpRequest) -> HttpResponse:
    technician = Technician.objects.filter(user=request.user).first()
    if technician is None:
        # Someone who may work orders but has no technician record (an administrator).
        return render(request, "tickets/field/my_orders.html", {"technician": None})
    today = timezone.localdate()
    done = selectors.technician_orders(technician, open_only=False).filter(
        state__in=[State.RESOLVED, State.VERIFIED, State.CLOSED],
        resolved_at__date__gte=today,
    )[:20]
    return render(
        request,
        "tickets/field/my_orders.html",
        {
            "technician": technician,
            "orders": list(selectors.technician_orders(technician)[:100]),
            "done": list(done),
        },
    )


def _order_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    actions = [a for a in _actions_for(request.user, ticket) if a in FIELD_ACTIONS]
    return {
        "ticket": ticket,
        "actions": actions,
        "resolve_form": ResolveForm(),
        "charge_form": ChargeForm(),
        "attachments": list(ticket.attachments.all()),
        "charges": list(ticket.charges.select_related("fee_item")),
        "form_rows": selectors.form_rows(ticket) if ticket.form_data else [],
        "can_work": ticket.state in (State.ACCEPTED, State.ON_SITE, State.PENDING_CUSTOMER),
        **extra,
    }


@permission_required(WORK, raise_exception=True)
def my_order(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _own_order(request, pk)
    return render(request, "tickets/field/my_order.html", _order_context(request, ticket))


@permission_required(WORK, raise_exception=True)
@require_POST
def my_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = _own_order(request, pk)
    if action == "contact":
        # The technician needs the number to call the customer: shown, and the read audited.
        audit_record(action="reveal", obj=ticket, changes={"field": "contact_phone"})
        context = _order_context(request, ticket, contact_phone=ticket.contact_phone)
        return render(request, "tickets/field/my_order.html", context)
    if action == "photo":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a photo."))
        else:
            try:
                ticket_attach(ticket=ticket, by=request.user, upload=upload, key="site")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The photo is attached."))
        return redirect("tickets:my_order", pk=ticket.pk)
    if action == "charge":
        form = ChargeForm(request.POST)
        if form.is_valid():
            try:
                ticket_charge_add(ticket=ticket, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("The charge is added."))
        return redirect("tickets:my_order", pk=ticket.pk)
    if action not in FIELD_ACTIONS:
        raise Http404("action")
    if run_action(request, ticket, action) and action == "resolve":
        for upload in request.FILES.getlist("photos")[:5]:
            try:
                ticket_attach(ticket=ticket, by=request.user, upload=upload, key="resolution")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect("tickets:my_orders")
    return redirect("tickets:my_order", pk=ticket.pk)


def open_link(request: HttpRequest, target: Any) -> HttpResponse:
    """A technician's SMS link (``/s/<token>``, kind "wo"): signs them in, opens the order.

    The token names the history line that sent them the order, so it signs in that line's
    technician, and only while the order is still open and still theirs.
    """
    line = (
        TicketHistory.objects.filter(pk=target.object_id, technician__isnull=False)
        .select_related("technician__user")
        .first()
    )
    technician = line.technician if line is not None else None
    if technician is None or not technician.active or not technician.user.is_active:
        return render(request, "404.html", status=404)
    # The link is a key to the technician's session for as long as their order needs them:
    # once it is resolved, closed, cancelled or someone else's, a forwarded or leaked text
    # message signs nobody in ("my orders" still works with the password).
    if not Ticket.objects.filter(
        pk=line.ticket_id, technician=technician, state__in=OPEN_STATES
    ).exists():
        return render(request, "tickets/field/link_spent.html", status=410)
    user = technician.user
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend="hotline.accounts.backends.RoleBackend")
        with audit_actor(user):
            audit_record(action="system", obj=user, changes={"signed_in_via": "sms link"})
    return redirect("tickets:my_order", pk=line.ticket_id)
