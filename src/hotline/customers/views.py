from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.audit.personal_data import can_unmask, personal_data_reveal
from hotline.customers import merging, selectors, services
from hotline.customers.forms import MergeForm, NoteForm, PhoneForm
from hotline.customers.models import CustomerMerge, CustomerPhone
from hotline.ids import parse_id
from hotline.integrations.boss.services import billing_panel_for
from hotline.pagination import CountlessPaginator


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    matched: dict[int, str] = {}
    truncated = False
    if query:
        result = selectors.customer_search(user=request.user, query=query)
        paginator = Paginator(result.ids, settings.HOTLINE_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = selectors.customers_by_ids(list(page.object_list))
        matched, truncated = result.matched, result.truncated
    else:
        paginator = CountlessPaginator(
            selectors.customer_list(user=request.user), settings.HOTLINE_PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "query": urlencode({"q": query}) if query else "",
        "matched": matched,
        "truncated": truncated,
        "can_unmask": can_unmask(request.user),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "customers/_results.html", context)
    return render(request, "customers/list.html", context)


def _detail_context(request: HttpRequest, customer) -> dict:  # type: ignore[no-untyped-def]
    context = {
        "customer": customer,
        "can_unmask": can_unmask(request.user),
        "can_edit": customer.merged_into_id is None
        and request.user.has_perm(services.CHANGE_PERMISSION),
        "add_form": PhoneForm(prefix="new"),
        "can_merge": request.user.has_perm(services.MERGE_PERMISSION),
        "note_form": NoteForm(),
        **selectors.customer_profile(customer=customer),
        "billing": billing_panel_for(customer),
    }
    if context["can_merge"] and customer.merged_into_id is None:
        context["duplicates"] = selectors.customer_duplicates(
            customer=customer, user=request.user, phones=[p.number for p in context["phones"]]
        )
        context["merges"] = list(
            CustomerMerge.objects.filter(survivor=customer, undone_at__isnull=True).select_related(
                "duplicate"
            )
        )
    return context


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    return render(request, "customers/detail.html", _detail_context(request, customer))


@login_required
@require_POST
def customer_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    if field.startswith("phone-"):
        phone = get_object_or_404(CustomerPhone, pk=parse_id(field[6:]) or 0, customer=customer)
        value = personal_data_reveal(user=request.user, obj=phone, field="number")
    elif field in customer.personal_fields:
        value = personal_data_reveal(user=request.user, obj=customer, field=field)
    else:
        raise PermissionDenied(field)
    return render(request, "customers/_revealed.html", {"value": value})


@login_required
@require_POST
def customer_note(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.customer_note_add(
                customer=customer, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = NoteForm()
    context = {
        "customer": customer,
        "note_form": form,
        "timeline": selectors.customer_timeline(customer=customer),
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/_timeline.html", context)
    return redirect("customers:detail", pk=customer.pk)


@permission_required(services.MERGE_PERMISSION, raise_exception=True)
@require_POST
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    survivor = selectors.get_customer_for(request.user, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        duplicate = selectors.get_customer_for(request.user, form.cleaned_data["duplicate"])
        try:
            merging.customer_merge(survivor=survivor, duplicate=duplicate, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Customer #%(dup)s was merged into this customer.") % {"dup": duplicate.pk},
            )
    else:
        messages.error(request, _("Choose the duplicate to merge."))
    return redirect("customers:detail", pk=survivor.pk)


@permission_required(services.MERGE_PERMISSION, raise_exception=True)
@require_POST
def customer_merge_undo(request: HttpRequest, pk: int, merge_pk: int) -> HttpResponse:
    survivor = selectors.get_customer_for(request.user, pk)
    merge = get_object_or_404(CustomerMerge, pk=merge_pk, survivor=survivor)
    try:
        merging.customer_merge_undo(merge=merge, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("customers:detail", pk=survivor.pk)
