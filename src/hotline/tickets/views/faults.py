"""Area faults: declare, see, link a caller in one click, resolve together."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.customers.selectors import get_customer_for
from hotline.ids import parse_id
from hotline.pagination import CountlessPaginator
from hotline.tickets.apps import AREA_FAULT, OPEN, VIEW_AREA_FAULT
from hotline.tickets.forms import AreaFaultForm
from hotline.tickets.models import AreaFault, OrderType, Ticket
from hotline.tickets.services.faults import area_fault_declare, area_fault_link, area_fault_resolve
from hotline.tickets.views.board import _regions
from hotline.typed_text import posted_text


def get_fault_for(user, pk: int) -> AreaFault:  # type: ignore[no-untyped-def]
    fault = AreaFault.objects.visible_to(user).filter(pk=pk).first()
    if fault is None:
        raise Http404("area fault")
    return fault


@permission_required(VIEW_AREA_FAULT, raise_exception=True)
def fault_list(request: HttpRequest) -> HttpResponse:
    faults = (
        AreaFault.objects.visible_to(request.user)
        .prefetch_related("regions")
        .order_by("status", "-declared_at", "-id")
    )
    page = CountlessPaginator(faults, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/faults.html",
        {"page": page, "can_declare": request.user.has_perm(AREA_FAULT)},
    )


def _default_type() -> OrderType | None:
    return (
        OrderType.objects.filter(active=True, code__in=["fault-repair", "fault"]).first()
        or OrderType.objects.filter(active=True).first()
    )


@permission_required(AREA_FAULT, raise_exception=True)
def fault_new(request: HttpRequest) -> HttpResponse:
    form = AreaFaultForm(request.POST or None, regions=_regions(request.user))
    order_type = _default_type()
    if request.method == "POST" and form.is_valid() and order_type is not None:
        try:
            fault = area_fault_declare(
                by=request.user,
                title=form.cleaned_data["title"],
                cause=form.cleaned_data["cause"],
                regions=list(form.cleaned_data["regions"]),
                expected_end_at=form.cleaned_data["expected_end_at"],
                order_type=order_type,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Area fault %(n)s is declared.") % {"n": fault.number})
            return redirect("tickets:fault_detail", pk=fault.pk)
    return render(request, "tickets/fault_new.html", {"form": form})


@permission_required(VIEW_AREA_FAULT, raise_exception=True)
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = get_fault_for(request.user, pk)
    reports = (
        Ticket.objects.visible_to(request.user)
        .filter(area_fault=fault)
        .select_related("customer", "region")
        .order_by("-created_at", "-id")
    )
    page = CountlessPaginator(reports, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/fault_detail.html",
        {
            "fault": fault,
            "regions": list(fault.regions.order_by("path")),
            "page": page,
            "can_resolve": request.user.has_perm(AREA_FAULT)
            and fault.status == AreaFault.Status.OPEN,
        },
    )


@permission_required(OPEN, raise_exception=True)
@require_POST
def fault_link(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on the customer page: this caller's report joins the fault."""
    fault = get_fault_for(request.user, pk)
    customer_id = parse_id(request.POST.get("customer", ""))
    if customer_id is None:
        raise Http404("customer")
    customer = get_customer_for(request.user, customer_id)
    try:
        ticket = area_fault_link(fault=fault, customer=customer, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("The report %(number)s is linked to area fault %(fault)s.")
            % {"number": ticket.number, "fault": fault.number},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("customers:detail", pk=customer.pk)


@permission_required(AREA_FAULT, raise_exception=True)
@require_POST
def fault_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    fault = get_fault_for(request.user, pk)
    try:
        area_fault_resolve(
            fault=fault, by=request.user, note=posted_text(request.POST, "note", _("Note"))
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, _("The area fault is resolved; its reports are being closed and texted.")
        )
    return redirect("tickets:fault_detail", pk=fault.pk)
