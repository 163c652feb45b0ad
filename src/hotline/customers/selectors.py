"""Read queries for customers; every one is scoped to the user's regions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from hotline.accounts.scope import regions_in_scope
from hotline.customers.models import Customer, CustomerPhone, Device, ServiceAccount, TimelineEntry
from hotline.customers.search import AddressQuery, ParsedQuery, parse_query

VIEW_PERMISSION = "customers.view_customer"
# One search returns at most this many ranked customers; agents refine rather than page on.
SEARCH_LIMIT = 500
_MAX_CHAR = "\U0010ffff"


def _require_view(user: Any) -> None:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(VIEW_PERMISSION)


def _prefix(field: str, value: str) -> Q:
    """``field`` starts with ``value``, in a form each database answers from a b-tree index.

    PostgreSQL: ``LIKE 'x%'`` on a varchar_pattern_ops index. SQLite: a range on the plain
    index (SQLite's LIKE is case-insensitive and so never uses an ordinary index).
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + _MAX_CHAR})
    return Q(**{f"{field}__startswith": value})


def _visible(user: Any) -> QuerySet[Customer]:
    return Customer.objects.visible_to(user).filter(merged_into__isnull=True)


def _address_filter(address: AddressQuery) -> Q:
    condition = Q()
    # A complete street or compound name ("青洋路") is matched exactly so that the composite
    # (street, building) index narrows on both columns; a bare fragment ("青洋") is a prefix.
    for street in address.streets:
        condition &= Q(street=street)
    for compound in address.compounds:
        condition &= Q(compound=compound)
    for text in address.either:
        condition &= _prefix("street", text) | _prefix("compound", text)
    if address.building:
        condition &= Q(building=address.building)
    if address.unit:
        condition &= Q(unit=address.unit)
    if address.room:
        condition &= Q(room=address.room)
    return condition


# Lookups by a unique identifier: once one of them finds someone, the rest are not tried.
_IDENTIFIERS = {"id_number", "phone", "account", "card", "device"}


def _ranked_querysets(user: Any, parsed: ParsedQuery) -> Iterator[tuple[str, QuerySet[Any]]]:
    """The lookups to run for ``parsed``, best match first (built only when reached)."""
    base = _visible(user)
    if parsed.id_number:
        yield "id_number", base.filter(id_number=parsed.id_number)
    whole_tree = regions_in_scope(user) is None
    if parsed.phone:
        phones = CustomerPhone.objects.filter(number=parsed.phone)
        if whole_tree:
            # Answered from the (number, customer) index alone; merged-away customers hold
            # no phone rows (see services.customer_merge).
            yield "phone", phones.values_list("customer_id", flat=True)
        else:
            yield "phone", base.filter(pk__in=phones.values("customer_id"))
    if parsed.account_or_card:
        accounts = ServiceAccount.objects.filter(number=parsed.account_or_card).values(
            "customer_id"
        )
        yield "account", base.filter(pk__in=accounts)
        cards = Device.objects.filter(
            kind=Device.Kind.SMART_CARD, serial=parsed.account_or_card
        ).values("account__customer_id")
        yield "card", base.filter(pk__in=cards)
    if parsed.serial:
        devices = Device.objects.filter(serial=parsed.serial).values("account__customer_id")
        yield "device", base.filter(pk__in=devices)
    if parsed.phone_suffix:
        suffix = parsed.phone_suffix
        phones = CustomerPhone.objects.filter(last4=suffix[-4:])
        if len(suffix) > 4:
            phones = phones.filter(number__endswith=suffix)
        if whole_tree and len(suffix) == 4:
            # Whole-city users: answer from the (last4, customer) index alone. Merged-away
            # customers hold no phone rows (see services.customer_merge), so none slip in.
            yield "phone_suffix", phones.values_list("customer_id", flat=True)
        else:
            yield "phone_suffix", base.filter(pk__in=phones.values("customer_id"))
    if parsed.name:
        yield "name", base.filter(name=parsed.name)
        yield "name_prefix", base.filter(_prefix("name", parsed.name))
    if not parsed.address.empty:
        yield "address", base.filter(_address_filter(parsed.address))


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    ids: list[int]
    matched: dict[int, str]
    truncated: bool


def customer_search(*, user: Any, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Ranked ids of the customers ``user`` may see that match ``query``.

    1. Parse the text (phone, last digits, ID-card, account/card/device number, name, address).
    2. Run each lookup in rank order, each an indexed query limited to what is still needed.
    3. Keep the first rank at which a customer matched; stop once ``limit`` are found.
    """
    _require_view(user)
    parsed = parse_query(query)
    ids: list[int] = []
    matched: dict[int, str] = {}
    truncated = False
    for kind, queryset in _ranked_querysets(user, parsed):
        room = limit + 1 - len(ids)
        if room <= 0 or (ids and not _IDENTIFIERS.isdisjoint(matched.values())):
            break
        # No ORDER BY in the database: it would make the planner walk the primary key.
        if queryset.model is Customer:
            queryset = queryset.order_by().values_list("id", flat=True)
        found = sorted(queryset.order_by()[: room + len(matched)])
        for pk in found:
            if pk not in matched:
                matched[pk] = kind
                ids.append(pk)
    if len(ids) > limit:
        ids, truncated = ids[:limit], True
    return SearchResult(
        query=parsed, ids=ids, matched={pk: matched[pk] for pk in ids}, truncated=truncated
    )


def customers_by_ids(ids: list[int]) -> list[Customer]:
    """Customers for a page of search results, in the given order, in one query."""
    rows = Customer.objects.select_related("region").in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def customer_list(*, user: Any, query: str = "") -> QuerySet[Customer]:
    """Customers ``user`` may see, narrowed by a search (unranked, for exports and the API)."""
    _require_view(user)
    if not (query or "").strip():
        return _visible(user).select_related("region").order_by("id")
    result = customer_search(user=user, query=query)
    return _visible(user).filter(pk__in=result.ids).select_related("region").order_by("id")


def get_customer_for(user: Any, pk: int) -> Customer:
    """The customer ``pk`` if ``user`` may see it; 404 otherwise (never reveal it exists)."""
    _require_view(user)
    try:
        return Customer.objects.visible_to(user).select_related("region", "merged_into").get(pk=pk)
    except Customer.DoesNotExist:
        raise Http404("customer") from None


def customer_profile(*, customer: Customer, timeline_limit: int = 50) -> dict[str, Any]:
    """What the customer page shows from Hotline's own data besides billing, in three queries.

    Accounts, subscriptions and devices are the billing panel's (BOSS first, this copy as the
    fallback), so they are not loaded here.
    """
    return {
        "phones": list(customer.phones.all()),
        "tags": list(customer.tags.all()),
        "timeline": customer_timeline(customer=customer, limit=timeline_limit),
    }


def customer_timeline(*, customer: Customer, limit: int = 50) -> list[TimelineEntry]:
    """The customer's interactions, newest first."""
    if not limit:
        return []
    return list(
        TimelineEntry.objects.filter(customer=customer)
        .select_related("author")
        .order_by("-at", "-id")[:limit]
    )
