"""Creating a customer, and changing one inline on the customer page (htmx partials).

Thin: the forms read ``customers.fields``; every change goes through ``customers.services``
(permission, region scope, audit history, events). A partial request gets the section's
fragment back: its display after a save or a cancel, its form again with the errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.audit.personal_data import can_unmask
from hotline.customers import fields, selectors, services
from hotline.customers.forms import (
    AddressForm,
    ContactForm,
    CustomerCreateForm,
    PhoneForm,
    PhoneFormSet,
)
from hotline.customers.models import Customer, CustomerPhone
from hotline.customers.phones import phone_kind_guess
from hotline.customers.search import parse_query
from hotline.ids import parse_id

SECTIONS = ("contact", "address", "phones")
# The session key under which another page (the desk's pop of an unknown caller) hands the
# new-customer form a phone number without putting it in the address.
NEW_CUSTOMER_PHONE = "customers.new_phone"


def _add_errors(form: Form, error: ValidationError) -> None:
    """Put a service's errors under the form's fields (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.error_dict.items():
        target = name if name in form.fields else None
        for problem in problems:
            message = " ".join(problem.messages)
            if target is None and name in fields.FIELDS:
                message = f"{fields.FIELDS[name].label}: {message}"
            form.add_error(target, message)


# --- a new customer ---------------------------------------------------------------------------


def _initial_from_search(text: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """What the search box held, as the new customer's name or first phone."""
    parsed = parse_query(text)
    if parsed.phone:
        return {}, [{"number": parsed.phone, "kind": phone_kind_guess(parsed.phone)}]
    if parsed.id_number:
        return {"id_number": parsed.id_number}, []
    if parsed.name and parsed.address.empty:
        return {"name": parsed.name}, []
    return {}, []


def _create_data(form: CustomerCreateForm, phones: Any) -> dict[str, Any]:
    data = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("accounts", "address") or value
    }
    data["phones"] = [
        {"number": row["number"], "kind": row["kind"]}
        for row in phones.cleaned_data
        if row and row.get("number")
    ]
    return data


@login_required
@permission_required(services.ADD_PERMISSION, raise_exception=True)
def customer_new(request: HttpRequest) -> HttpResponse:
    """The new-customer form; before saving, customers that share a phone or the ID-card
    number are shown with "open it", "add to it" (merge) and "create anyway"."""
    regions = selectors.region_choices(request.user)
    duplicates: list[Customer] = []
    if request.method == "POST":
        form = CustomerCreateForm(request.POST, regions=regions)
        phones = PhoneFormSet(request.POST, prefix="phones")
        if form.is_valid() and phones.is_valid():
            data = _create_data(form, phones)
            action = request.POST.get("action", "create")
            if action.startswith("fill_in:") and parse_id(action[8:]):
                return _fill_in(request, parse_id(action[8:]), data, form)
            if action != "create_anyway":
                duplicates = selectors.customers_sharing(
                    user=request.user,
                    phones=[p["number"] for p in data["phones"]],
                    id_number=data.get("id_number", ""),
                )
            if not duplicates:
                try:
                    customer = services.customer_create(by=request.user, data=data)
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    messages.success(
                        request, _("Customer #%(id)s was created.") % {"id": customer.pk}
                    )
                    return redirect("customers:detail", pk=customer.pk)
    else:
        typed = request.GET.get("phone") or request.GET.get("q", "")
        if request.GET.get("from") == "call":  # an unknown caller's pop (routing's desk)
            typed = request.session.pop(NEW_CUSTOMER_PHONE, "") or typed
        initial, phone_rows = _initial_from_search(typed)
        if len(regions) == 1:
            initial["region"] = regions[0][0]
        form = CustomerCreateForm(initial=initial, regions=regions)
        phones = PhoneFormSet(prefix="phones", initial=phone_rows)
    return render(
        request,
        "customers/new.html",
        {
            "form": form,
            "phones": phones,
            "duplicates": duplicates,
            "can_fill_in": request.user.has_perm(services.CHANGE_PERMISSION),
            "can_unmask": can_unmask(request.user),
        },
    )


def _fill_in(request: HttpRequest, pk: int, data: dict[str, Any], form: Form) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    data = {k: v for k, v in data.items() if k not in ("region", "accounts")}
    try:
        services.customer_fill_in(customer=customer, by=request.user, data=data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The details were added to customer #%(id)s.") % {"id": customer.pk}
        )
    return redirect("customers:detail", pk=customer.pk)


# --- inline sections of the customer page -----------------------------------------------------


def _may_edit(request: HttpRequest, customer: Customer) -> bool:
    return request.user.has_perm(services.CHANGE_PERMISSION) and customer.merged_into_id is None


def _section_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer": customer,
        "can_edit": _may_edit(request, customer),
        "can_unmask": can_unmask(request.user),
        **extra,
    }


def _contact_form(request: HttpRequest, customer: Customer, data: Any = None) -> ContactForm:
    unmasked = can_unmask(request.user)
    masked = "" if unmasked else fields.ID_NUMBER.display(customer.id_number, unmasked=False)
    initial = {
        "name": customer.name,
        "kind": customer.kind,
        "id_number": customer.id_number if unmasked else "",
    }
    return ContactForm(data, initial=initial, masked_id=masked)


def _address_form(request: HttpRequest, customer: Customer, data: Any = None) -> AddressForm:
    initial = {name: getattr(customer, name) for name in (*fields.ADDRESS_PARTS, "address")}
    initial["region"] = customer.region_id
    return AddressForm(data, initial=initial, regions=selectors.region_choices(request.user))


def _changes(form: Form, customer: Customer) -> dict[str, Any]:
    """The fields the user actually changed (a blank masked ID-card number keeps it)."""
    data: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if name == "id_number" and not value and not form["id_number"].initial:
            continue
        if name == "region":
            if value != customer.region_id:
                data["region"] = value
        elif name in form.changed_data:
            data[name] = value
    return data


def _render_section(
    request: HttpRequest, customer: Customer, section: str, form: Form | None = None
) -> HttpResponse:
    context = _section_context(request, customer, form=form, partial=True)
    if section == "phones":
        context.update(phones=list(customer.phones.all()), add_form=PhoneForm(prefix="new"))
        return render(request, "customers/_phones.html", context)
    template = f"customers/_{section}{'_form' if form is not None else ''}.html"
    return render(request, template, context)


@login_required
def customer_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """One section of the customer page: shown, as a form (``?edit=1``), or saved (POST)."""
    if section not in SECTIONS:
        raise Http404(section)
    customer = selectors.get_customer_for(request.user, pk)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing and not _may_edit(request, customer):
        raise PermissionDenied(services.CHANGE_PERMISSION)
    if section == "phones" or not editing:
        return _render_section(request, customer, section)
    build = _contact_form if section == "contact" else _address_form
    form = build(request, customer, request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _render_section(request, customer, section, form)
    try:
        customer = services.customer_update(
            customer=customer, by=request.user, data=_changes(form, customer)
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _render_section(request, customer, section, form)
    if not request.headers.get("HX-Request"):
        return redirect("customers:detail", pk=customer.pk)
    return _render_section(request, customer, section)


def _phone_for(request: HttpRequest, pk: int, phone_pk: int) -> tuple[Customer, CustomerPhone]:
    customer = selectors.get_customer_for(request.user, pk)
    if not _may_edit(request, customer):
        raise PermissionDenied(services.CHANGE_PERMISSION)
    return customer, get_object_or_404(CustomerPhone, pk=phone_pk, customer=customer)


def _phones_answer(request: HttpRequest, customer: Customer, **extra: Any) -> HttpResponse:
    if not request.headers.get("HX-Request"):
        return redirect("customers:detail", pk=customer.pk)
    customer.refresh_from_db()
    context = _section_context(
        request,
        customer,
        phones=list(customer.phones.all()),
        add_form=extra.pop("add_form", None) or PhoneForm(prefix="new"),
        **extra,
    )
    return render(request, "customers/_phones.html", context)


@login_required
@require_POST
def phone_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    if not _may_edit(request, customer):
        raise PermissionDenied(services.CHANGE_PERMISSION)
    form = PhoneForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.customer_phone_add(
                customer=customer,
                by=request.user,
                number=form.cleaned_data["number"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _phones_answer(request, customer, focus="add")
    return _phones_answer(request, customer, add_form=form, adding=True)


@login_required
def phone_edit(request: HttpRequest, pk: int, phone_pk: int) -> HttpResponse:
    customer, phone = _phone_for(request, pk, phone_pk)
    if request.method != "POST":
        form = PhoneForm(initial={"kind": phone.kind}, prefix=f"p{phone.pk}")
        form.fields["number"].required = False
        form.fields["number"].widget.attrs["placeholder"] = fields.PHONE.display(
            phone.number, unmasked=False
        )
        return _phones_answer(request, customer, editing=phone.pk, edit_form=form)
    form = PhoneForm(request.POST, prefix=f"p{phone.pk}")
    form.fields["number"].required = False
    if form.is_valid():
        try:
            services.customer_phone_change(
                phone=phone,
                by=request.user,
                number=form.cleaned_data["number"] or None,
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _phones_answer(request, customer, focus=phone.pk)
    return _phones_answer(request, customer, editing=phone.pk, edit_form=form)


@login_required
@require_POST
def phone_remove(request: HttpRequest, pk: int, phone_pk: int) -> HttpResponse:
    customer, phone = _phone_for(request, pk, phone_pk)
    services.customer_phone_remove(phone=phone, by=request.user)
    return _phones_answer(request, customer, focus="add")


@login_required
@require_POST
def phone_make_primary(request: HttpRequest, pk: int, phone_pk: int) -> HttpResponse:
    customer, phone = _phone_for(request, pk, phone_pk)
    services.customer_phone_make_primary(phone=phone, by=request.user)
    return _phones_answer(request, customer, focus=phone.pk)
