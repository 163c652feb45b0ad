"""Read queries for customers; every one is scoped to the user's regions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from hotline.customers.models import Customer
from hotline.customers.phones import normalize_phone

VIEW_PERMISSION = "customers.view_customer"


def customer_list(*, user: Any, query: str = "") -> QuerySet[Customer]:
    """Customers ``user`` may see, optionally narrowed by a name, phone or ID-card number."""
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(VIEW_PERMISSION)
    customers = Customer.objects.visible_to(user).select_related("region")
    query = (query or "").strip()
    if not query:
        return customers.order_by("id")
    digits = normalize_phone(query)
    if len(query) == 18 and query[:17].isdigit():
        return customers.filter(id_number=query.upper())
    if digits and digits == query.replace(" ", "").replace("-", "").lstrip("+"):
        return customers.filter(phone=digits)
    return customers.filter(name=query).order_by("id")


def get_customer_for(user: Any, pk: int) -> Customer:
    """The customer ``pk`` if ``user`` may see it; 404 otherwise (never reveal it exists)."""
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(VIEW_PERMISSION)
    try:
        return Customer.objects.visible_to(user).select_related("region").get(pk=pk)
    except Customer.DoesNotExist:
        raise Http404("customer") from None
