"""Work-order pages for the desk: list, open (from the customer page), detail, actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.audit.personal_data import can_unmask
from hotline.customers.selectors import get_customer_for
from hotline.ids import parse_id
from hotline.pagination import CountlessPaginator
from hotline.tickets import selectors
from hotline.tickets.apps import CHARGE, OPEN, VIEW
from hotline.tickets.forms import (
    ChargeForm,
    NoteForm,
    OpenForm,
    ResolveForm,
    VerifyForm,
)
from hotline.tickets.models import OrderType, Ticket, TicketAttachment
from hotline.tickets.routing import dispatch_candidates
from hotline.tickets.services.fees import ticket_charge_add
from hotline.tickets.services.knowledge import may_draft_article
from hotline.tickets.services.notes import may_note
from hotline.tickets.services.opening import (
    attachment_reveal,
    customer_devices,
    ticket_attach,
    ticket_open,
)
from hotline.tickets.services.transitions import ticket_transition
from hotline.tickets.workflow import TRANSITIONS, IllegalTransition, State, allowed_actions
from hotline.typed_text import posted_text


@permission_required(VIEW, raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    tickets = selectors.ticket_list(request.user, query=query, state=state)
    page = CountlessPaginator(tickets, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {
            "page": page,
            "q": query,
            "state": state,
            "states": State.choices,
            "query": params.urlencode(),
            "can_open": request.user.has_perm(OPEN),
        },
    )


def _open_context(request: HttpRequest, form: OpenForm | None, **extra: Any) -> dict[str, Any]:
    return {
        "types": list(OrderType.objects.filter(active=True).order_by("sort_order", "code")),
        "form": form,
        "call": _call(request),
        **extra,
    }


def _call(request: HttpRequest) -> Any:
    """The call an order is opened from (the desk's "open work order"): only a call this user
    took; anything else opens an ordinary order."""
    from hotline.telephony.models import CallRecord

    call_id = (request.POST.get("call") or request.GET.get("call") or "")[:40]
    if not call_id:
        return None
    return CallRecord.objects.filter(call_id=call_id, agent=request.user).first()


def _build_form(request: HttpRequest, order_type: OrderType, customer: Any) -> OpenForm:
    specs = list(order_type.fields.order_by("sort_order", "id"))
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    return OpenForm(
        data, files, order_type=order_type, specs=specs, devices=customer_devices(customer)
    )


def _order_type(request: HttpRequest) -> OrderType | None:
    code = request.POST.get("type") or request.GET.get("type") or ""
    if not code:
        return None
    return get_object_or_404(OrderType, code=code, active=True)


def _customer(request: HttpRequest) -> Any:
    raw = request.POST.get("customer") or request.GET.get("customer") or ""
    if not raw:
        return None
    if parse_id(raw) is None:
        raise Http404("customer")
    return get_customer_for(request.user, parse_id(raw))


@permission_required(OPEN, raise_exception=True)
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open an order; from the customer page the customer, address and phone are pre-filled."""
    customer = _customer(request)
    order_type = _order_type(request)
    form = _build_form(request, order_type, customer) if order_type else None
    call = _call(request)
    if request.method == "POST" and form is not None and form.is_valid():
        values, files = form.custom_values()
        try:
            ticket = ticket_open(
                source=Ticket.Source.CALL if call else Ticket.Source.WEB,
                external_ref=f"call:{call.call_id}" if call else "",
                by=request.user,
                order_type=order_type,
                customer=customer,
                priority=form.cleaned_data["priority"],
                category_id=form.cleaned_data["category"].pk
                if form.cleaned_data["category"]
                else None,
                contact_name=form.cleaned_data["contact_name"],
                contact_phone=form.cleaned_data["contact_phone"],
                address=form.cleaned_data["address"],
                description=form.cleaned_data["description"],
                form=values,
                files=files,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Work order %(number)s is open.") % {"number": ticket.number}
            )
            return redirect("tickets:detail", pk=ticket.pk)
    context = _open_context(
        request, form, customer=customer, order_type=order_type, faults=_faults(customer)
    )
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "tickets/_open_form.html", context)
    return render(request, "tickets/new.html", context)


def _faults(customer: Any) -> list[Any]:
    return selectors.area_faults_for_customer(customer) if customer is not None else []


@permission_required(OPEN, raise_exception=True)
def ticket_new_form(request: HttpRequest) -> HttpResponse:
    """The form of the chosen order type (swapped in by htmx when the type changes)."""
    customer = _customer(request)
    order_type = _order_type(request)
    form = _build_form(request, order_type, customer) if order_type else None
    return render(
        request,
        "tickets/_open_form.html",
        _open_context(request, form, customer=customer, order_type=order_type),
    )


def _actions_for(user: Any, ticket: Ticket) -> list[str]:
    """The transitions the table allows now that this user may do (the page's buttons)."""
    names = []
    for transition in allowed_actions(ticket.state):
        if transition.name == "fault_resolve" or not user.has_perm(transition.permission):
            continue
        if transition.assignee_only and (
            ticket.technician is None or ticket.technician.user_id != user.pk
        ):
            continue
        names.append(transition.name)
    return names


def _detail_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user = request.user
    actions = _actions_for(user, ticket)
    candidates = []
    if {"dispatch", "redispatch"} & set(actions):
        candidates = dispatch_candidates(ticket)[:10]
    return {
        "ticket": ticket,
        "history": selectors.ticket_history(ticket),
        "form_rows": selectors.form_rows(ticket) if ticket.form_data else [],
        "attachments": list(ticket.attachments.all()),
        "charges": list(ticket.charges.select_related("fee_item")),
        "actions": actions,
        "labels": {name: TRANSITIONS[name].label for name in actions},
        "candidates": candidates,
        "can_unmask": can_unmask(user),
        "can_take": user.has_perm("tickets.dispatch_ticket")
        and ticket.is_open
        and not (ticket.owner_id == user.pk and ticket.owner_acknowledged),
        "can_charge": user.has_perm(CHARGE) and ticket.state not in (State.CANCELLED,),
        "charge_form": ChargeForm(),
        "note_form": NoteForm(),
        "resolve_form": ResolveForm(),
        "verify_form": VerifyForm(),
        "risk": ticket.sla_risk(),
        "can_draft_article": may_draft_article(user, ticket),
        "can_note": may_note(user, ticket),
        **extra,
    }


@permission_required(VIEW, raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for(request.user, pk)
    if request.headers.get("HX-Target") == "ticket-body":
        # The page's live refresh (an order event was pushed): the order's part only.
        return render(request, "tickets/_detail_body.html", _detail_context(request, ticket))
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _resolve_kwargs(request: HttpRequest) -> dict[str, Any]:
    form = ResolveForm(request.POST)
    if not form.is_valid():
        # Each message names its field ("Work done: This field is required."): the page
        # shows them above the form after the redirect, away from the fields themselves.
        # (The text check's messages name theirs already.)
        def named(name: str, message: str) -> str:
            label = form.fields[name].label
            if message.startswith(_("%(field)s: %(message)s") % {"field": label, "message": ""}):
                return message
            return _("%(field)s: %(message)s") % {"field": label, "message": message}

        raise ValidationError(
            {
                name: [named(name, m) for m in messages_]
                if name in form.fields
                else list(messages_)
                for name, messages_ in form.errors.items()
            }
        )
    return {
        "note": form.cleaned_data["note"],
        "parts_used": form.cleaned_data["parts_used"],
        "confirmation_code": form.cleaned_data["confirmation_code"],
    }


def _transition_kwargs(request: HttpRequest, ticket: Ticket, action: str) -> dict[str, Any]:
    if action == "resolve":
        return _resolve_kwargs(request)
    note = posted_text(request.POST, "note", _("Note"))
    if action in ("dispatch", "redispatch"):
        technician_id = parse_id(request.POST.get("technician", ""))
        if technician_id is None:
            raise ValidationError({"technician": _("Choose a technician.")})
        from hotline.accounts.models import Technician

        technician = Technician.objects.select_related("user").filter(pk=technician_id).first()
        if technician is None:
            raise ValidationError({"technician": _("Choose a technician.")})
        return {"technician": technician, "note": note}
    if action == "verify":
        form = VerifyForm(request.POST)
        form.is_valid()
        return {"satisfied": form.cleaned_data.get("satisfied"), "note": note}
    return {"note": note}


def run_action(request: HttpRequest, ticket: Ticket, action: str) -> bool:
    """Run ``action`` for the request's user; put the outcome in messages. True if done."""
    from hotline.tickets.services.dispatching import ticket_take

    try:
        if action == "take":
            ticket_take(
                ticket=ticket, by=request.user, note=posted_text(request.POST, "note", _("Note"))
            )
        else:
            kwargs = _transition_kwargs(request, ticket, action)
            ticket_transition(ticket=ticket, action=action, by=request.user, **kwargs)
    except IllegalTransition as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(_flatten(error)))
    except PermissionDenied:
        messages.error(request, _("You may not do this with this order."))
    else:
        label = TRANSITIONS[action].label if action in TRANSITIONS else _("Taken over")
        messages.success(request, _("%(action)s: done.") % {"action": label})
        return True
    return False


def _flatten(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for messages_ in error.message_dict.values() for m in messages_]
    return [str(m) for m in error.messages]


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = selectors.get_ticket_for(request.user, pk)
    run_action(request, ticket, action)
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            ticket_attach(ticket=ticket, by=request.user, upload=upload)
        except (ValidationError, PermissionDenied) as error:
            text = (
                " ".join(_flatten(error))
                if isinstance(error, ValidationError)
                else _("You may not do this with this order.")
            )
            messages.error(request, text)
        else:
            messages.success(request, _("The file is attached."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("tickets:detail", pk=ticket.pk)


@permission_required(VIEW, raise_exception=True)
@require_POST
def ticket_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    from hotline.tickets.services.notes import ticket_note_add

    ticket = selectors.get_ticket_for(request.user, pk)
    try:
        ticket_note_add(
            ticket=ticket, by=request.user, text=posted_text(request.POST, "note", _("Note"))
        )
    except ValidationError as error:
        messages.error(request, " ".join(_flatten(error)))
    except PermissionDenied:
        messages.error(request, _("You may not do this with this order."))
    else:
        messages.success(request, _("The note is added."))
    return redirect("tickets:detail", pk=ticket.pk)


@permission_required(VIEW, raise_exception=True)
@require_POST
def ticket_article_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Create article from this order": a knowledge draft, then its edit page."""
    from hotline.tickets.services.knowledge import ticket_article_draft

    ticket = selectors.get_ticket_for(request.user, pk)
    if not may_draft_article(request.user, ticket):
        messages.error(request, _("Only a resolved or closed order has a solution."))
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        article = ticket_article_draft(ticket=ticket, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(_flatten(error)))
        return redirect("tickets:detail", pk=ticket.pk)
    if request.user.has_perm("knowledge.change_article"):
        messages.success(request, _("A draft article was made from the order: finish it here."))
        return redirect("knowledge:edit", pk=article.pk)
    messages.success(
        request, _("The order's fault and solution went to the knowledge editors for review.")
    )
    return redirect("tickets:detail", pk=ticket.pk)


@permission_required(CHARGE, raise_exception=True)
@require_POST
def ticket_charge_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for(request.user, pk)
    form = ChargeForm(request.POST)
    if form.is_valid():
        try:
            ticket_charge_add(ticket=ticket, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("The charge is added."))
    else:
        messages.error(request, _("Choose a fee item and a quantity."))
    return redirect("tickets:detail", pk=ticket.pk)


@permission_required(VIEW, raise_exception=True)
def ticket_file(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    ticket = selectors.get_ticket_for(request.user, pk)
    attachment = get_object_or_404(TicketAttachment, pk=attachment_pk, ticket=ticket)
    return attachment_reveal(attachment=attachment, via="page")


@login_required
def customer_panel(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """The customer page's work-order panel (loaded by htmx): area faults, open orders,
    history, and the "open work order" button."""
    customer = get_customer_for(request.user, customer_pk)
    context: dict[str, Any] = {
        "customer": customer,
        "faults": _faults(customer),
        "can_open": request.user.has_perm(OPEN),
        "can_view": request.user.has_perm(VIEW),
        "types": list(OrderType.objects.filter(active=True).order_by("sort_order", "code")),
    }
    if context["can_view"]:
        context.update(selectors.customer_tickets(request.user, customer.pk))
    return render(request, "tickets/_customer_panel.html", context)
