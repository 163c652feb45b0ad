"""The dispatcher's board: open orders by region and state, SLA risk, bulk dispatch, live."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import Region, Technician
from hotline.accounts.scope import regions_in_scope
from hotline.ids import parse_id
from hotline.pagination import CountlessPaginator
from hotline.tickets import selectors
from hotline.tickets.apps import DISPATCH
from hotline.tickets.forms import BoardFilterForm
from hotline.tickets.models import Ticket
from hotline.tickets.routing import technician_loads
from hotline.tickets.services.dispatching import ticket_bulk_dispatch
from hotline.typed_text import posted_text

# A page's socket may hold 50 topics (push.consumers.MAX_TOPICS).
MAX_BOARD_TOPICS = 48


def _regions(user: Any) -> Any:
    scope = regions_in_scope(user)
    regions = Region.objects.order_by("path")
    return regions if scope is None else regions.filter(pk__in=sorted(scope))


def board_topic_keys(user: Any) -> list[str]:
    """The board topics this user listens to: each region of their scope (orders are
    announced on their own region's topic), or the whole city's."""
    scope = regions_in_scope(user)
    if scope is None:
        return ["ticketboard.all"]
    codes = (
        Region.objects.filter(pk__in=sorted(scope)).order_by("path").values_list("code", flat=True)
    )
    return [f"ticketboard.{code}" for code in codes[:MAX_BOARD_TOPICS]]


def technicians_for(user: Any) -> list[dict[str, Any]]:
    """Technicians the user may dispatch to, with their open load (two queries)."""
    technicians = Technician.objects.filter(active=True, user__is_active=True).select_related(
        "user"
    )
    if not user.has_perm("tickets.dispatch_cross_region"):
        scope = regions_in_scope(user)
        if scope is not None:
            technicians = technicians.filter(user__regions__id__in=sorted(scope)).distinct()
    technicians = list(technicians.order_by("user__username")[:500])
    loads = technician_loads(t.pk for t in technicians)
    return [
        {
            "technician": t,
            "load": loads.get(t.pk, 0),
            "full": loads.get(t.pk, 0) >= t.max_open_orders,
        }
        for t in technicians
    ]


@permission_required(DISPATCH, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None, regions=_regions(request.user))
    filters = selectors.BoardFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.BoardFilters(
            region=data["region"],
            states=data["state"],
            order_type=data["order_type"],
            priority=data["priority"],
            risk=data["risk"],
            unassigned=data["unassigned"],
            query=data["q"],
        )
    now = timezone.now()
    tickets = selectors.board_tickets(request.user, filters, now=now)
    page = CountlessPaginator(tickets, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[Ticket] = list(page.object_list)
    for ticket in rows:
        ticket.risk = ticket.sla_risk(now)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "now": now,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board-rows":
        return render(request, "tickets/_board_rows.html", context)
    context.update(
        summary=selectors.board_summary(request.user, region=filters.region),
        technicians=technicians_for(request.user),
        topics_json=json.dumps(board_topic_keys(request.user)),
    )
    return render(request, "tickets/board.html", context)


@permission_required(DISPATCH, raise_exception=True)
@require_POST
def board_dispatch(request: HttpRequest) -> HttpResponse:
    """Bulk dispatch: the ticked orders to one technician, or each to its best fitting one."""
    ids = [i for i in map(parse_id, request.POST.getlist("ticket")) if i is not None][:200]
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if not ids:
        messages.error(request, _("Tick the orders to dispatch."))
        return redirect(back or "tickets:board")
    tickets = list(
        selectors.visible_tickets(request.user)
        .filter(pk__in=ids)
        .select_related("order_type", "region", "technician__user")
        .order_by("resolution_due_at", "id")
    )
    try:
        note = posted_text(request.POST, "note", _("Reason or note"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back or "tickets:board")
    technician = None
    technician_id = parse_id(request.POST.get("technician", ""))
    if technician_id is not None:
        technician = Technician.objects.select_related("user").filter(pk=technician_id).first()
    result = ticket_bulk_dispatch(
        tickets=tickets, by=request.user, technician=technician, note=note
    )
    if result["dispatched"]:
        messages.success(
            request,
            _("Dispatched: %(numbers)s") % {"numbers": ", ".join(result["dispatched"])},
        )
    for failure in result["failed"]:
        messages.error(request, failure)
    return redirect(back or "tickets:board")
