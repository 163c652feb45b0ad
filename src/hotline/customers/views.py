from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from hotline.accounts.personal_data import can_unmask, personal_data_reveal
from hotline.customers import selectors


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    customers = selectors.customer_list(user=request.user, query=query)
    paginator = Paginator(customers, settings.HOTLINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "query": urlencode({"q": query}) if query else "",
        "can_unmask": can_unmask(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/_results.html", context)
    return render(request, "customers/list.html", context)


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    return render(
        request,
        "customers/detail.html",
        {"customer": customer, "can_unmask": can_unmask(request.user)},
    )


@login_required
@require_POST
def customer_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    if field not in customer.personal_fields:
        raise PermissionDenied(field)
    value = personal_data_reveal(user=request.user, obj=customer, field=field)
    return render(request, "customers/_revealed.html", {"value": value})
