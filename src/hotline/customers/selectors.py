"""Read queries for customers; every one is scoped to the user's regions."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
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
_IDENTIFIERS = {"id_number", "phone", "landline", "account", "card", "device"}
# A fragment shorter than this cannot use the trigram index.
_TRIGRAM = 3
# Person names are two or three characters: a text that short which already found someone
# by name is not also looked for inside company names (the agent was after a person).
_FRAGMENT_AFTER_HITS = 4


def _company_name_contains(fragment: str) -> Q:
    """Companies whose name contains ``fragment`` anywhere, from a trigram index.

    PostgreSQL: the partial pg_trgm GIN index on companies' names answers ``LIKE '%x%'``.
    SQLite: the FTS5 trigram table of companies' names (kept by triggers) answers it.
    Either way a fragment of fewer than three characters reads the companies' names only.
    See docs/decisions/0011-company-name-fragments.md.
    """
    if connection.vendor == "sqlite":
        if len(fragment) >= _TRIGRAM:
            pattern = fragment.replace("%", "").replace("_", "")
            sql = "SELECT rowid FROM customer_company_name WHERE name LIKE %s"
            return Q(pk__in=RawSQL(sql, [f"%{pattern}%"]))  # noqa: S611 (a parameter)
        # SQLite's trigram index matches nothing shorter than three characters: read the
        # companies' names from the index's own table instead.
        sql = "SELECT rowid FROM customer_company_name WHERE instr(name, %s) > 0"
        return Q(pk__in=RawSQL(sql, [fragment]))  # noqa: S611 (a parameter)
    if len(fragment) >= _TRIGRAM:
        return Q(kind=Customer.Kind.COMPANY, name__contains=fragment)
    # No trigram in two characters: strpos() keeps the planner off the trigram index (which
    # would return every company to recheck) and on the partial (name, id) index of
    # companies, read index-only.
    # The ids are fetched first: the planner cannot guess how few match and would rather
    # scan the customers table to join them.
    companies = Customer.all_objects.filter(kind=Customer.Kind.COMPANY).filter(
        GreaterThan(StrIndex("name", Value(fragment)), 0)
    )
    return Q(pk__in=list(companies.values_list("pk", flat=True)[: SEARCH_LIMIT + 1]))


def _ranked_querysets(
    user: Any, parsed: ParsedQuery, found: Callable[[], bool] = lambda: False
) -> Iterator[tuple[str, QuerySet[Any]]]:
    """The lookups to run for ``parsed``, best match first (built only when reached).

    ``found()`` says whether the lookups before found anyone.
    """
    base = _visible(user)
    if parsed.id_number:
        yield "id_number", base.filter(id_number=parsed.id_number)
    whole_tree = regions_in_scope(user) is None
    if parsed.phone:
        phones = CustomerPhone.objects.filter(number=parsed.phone)
        if whole_tree:
            # Answered from the (number, customer) index alone; merged-away customers hold
            # no phone rows (see merging.customer_merge).
            yield "phone", phones.values_list("customer_id", flat=True)
        else:
            yield "phone", base.filter(pk__in=phones.values("customer_id"))
    if parsed.landline:
        # A landline typed without its area code: the stored numbers ending with it, found
        # through the (last4, customer) index and checked against the whole number.
        landlines = CustomerPhone.objects.filter(
            last4=parsed.landline[-4:], number__endswith=parsed.landline
        )
        if whole_tree:
            yield "landline", landlines.values_list("customer_id", flat=True)
        else:
            yield "landline", base.filter(pk__in=landlines.values("customer_id"))
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
            # customers hold no phone rows (see merging.customer_merge), so none slip in.
            yield "phone_suffix", phones.values_list("customer_id", flat=True)
        else:
            yield "phone_suffix", base.filter(pk__in=phones.values("customer_id"))
    if parsed.name:
        yield "name", base.filter(name=parsed.name)
        yield "name_prefix", base.filter(_prefix("name", parsed.name))
        if len(parsed.name) >= _FRAGMENT_AFTER_HITS or not found():
            yield "name_fragment", base.filter(_company_name_contains(parsed.name))
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
    for kind, queryset in _ranked_querysets(user, parsed, found=lambda: bool(ids)):
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


def customer_if_visible(user: Any, customer: Customer) -> Customer | None:
    """``customer`` (already read, with its region) if ``user`` may see it, by the rule of
    ``get_customer_for``, without reading it again; ``None`` otherwise."""
    if not user.has_perm(VIEW_PERMISSION):
        return None
    scope = regions_in_scope(user)
    return customer if scope is None or customer.region_id in scope else None


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


def _name_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def customer_duplicates(
    *, customer: Customer, user: Any, phones: list[str] | None = None, limit: int = 20
) -> list[Customer]:
    """Other customers ``user`` may see that are probably the same person.

    Same ID-card number, or a shared phone number with a similar name (same surname or a
    name similarity of at least one half). One indexed query per criterion, sent as a UNION.
    """
    if phones is None:
        phones = list(customer.phones.values_list("number", flat=True))
    numbers = sorted({*phones, *([customer.phone] if customer.phone else [])})
    visible = (
        Customer.objects.visible_to(user).filter(merged_into__isnull=True).exclude(pk=customer.pk)
    )
    by_phone = visible.filter(
        pk__in=CustomerPhone.objects.filter(number__in=numbers).values("customer_id")
    ).order_by()
    candidates = (
        by_phone.union(visible.filter(id_number=customer.id_number).order_by())
        if customer.id_number
        else by_phone
    )
    found = []
    for other in sorted(candidates, key=lambda c: c.pk):
        same_id = bool(customer.id_number) and other.id_number == customer.id_number
        similar = (
            other.name[:1] == customer.name[:1]
            or _name_similarity(other.name, customer.name) >= 0.5
        )
        if same_id or similar:
            found.append(other)
    return found[:limit]


def customers_sharing(
    *, user: Any, phones: list[str], id_number: str = "", limit: int = 10
) -> list[Customer]:
    """Customers ``user`` may see that already have one of ``phones`` or ``id_number``.

    What the new-customer form shows before saving ("this phone already belongs to …").
    """
    _require_view(user)
    if not phones and not id_number:
        return []
    condition = Q(pk__in=CustomerPhone.objects.filter(number__in=phones).values("customer_id"))
    if id_number:
        condition |= Q(id_number=id_number)
    return list(_visible(user).filter(condition).select_related("region").order_by("id")[:limit])


def region_choices(user: Any) -> list[tuple[int, str]]:
    """The regions ``user`` may put a customer in, as a tree: (id, indented name)."""
    from hotline.accounts.models import Region

    scope = regions_in_scope(user)
    regions = Region.objects.order_by("path").values_list("id", "name", "path")
    if scope is not None:
        regions = regions.filter(pk__in=sorted(scope))
    rows = list(regions)
    if not rows:
        return []
    top = min(path.count("/") for _pk, _name, path in rows)
    return [(pk, "\u3000" * (path.count("/") - top) + name) for pk, name, path in rows]
