"""What an IVR walk may ask of the outside world, fetched before the walk starts (in the
switchboard's sync boundary), so the walk itself never blocks the event loop."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from hotline.routing import hooks
from hotline.routing.domain.ivr import Context, iter_nodes

EMPTY_FACTS: dict[str, Any] = {"open": {}, "balance": None, "area_fault": None}
OUTSIDE = frozenset({"hours", "balance", "area_fault"})  # nodes that ask the outside world


def needs_prefetch(flow: dict[str, Any]) -> bool:
    """Whether the walk of ``flow`` may ask anything ``ivr_prefetch`` fetches."""
    return any(
        isinstance(node, dict) and node.get("type") in OUTSIDE for _where, node in iter_nodes(flow)
    )


def ivr_prefetch(*, flow: dict[str, Any], customer_id: int | None) -> dict[str, Any]:
    kinds: dict[str, set[str]] = {}
    for _where, node in iter_nodes(flow):
        if isinstance(node, dict):
            kinds.setdefault(str(node.get("type")), set()).add(str(node.get("calendar", "")))
    facts: dict[str, Any] = {"open": {}, "balance": None, "area_fault": None}
    now = timezone.now()
    for calendar in kinds.get("hours", set()):
        try:
            facts["open"][calendar] = hooks.business_open(calendar, now)
        except Exception:
            facts["open"][calendar] = True
    if customer_id is not None and "balance" in kinds:
        facts["balance"] = _balance_text(customer_id)
    if customer_id is not None and "area_fault" in kinds:
        from hotline.customers.models import Customer

        region = Customer.objects.filter(pk=customer_id).values_list("region_id", flat=True)
        facts["area_fault"] = hooks.area_fault(region.first())
    return facts


def _balance_text(customer_id: int) -> str | None:
    from hotline.customers.models import ServiceAccount
    from hotline.integrations.boss.port import BillingError, time_budget
    from hotline.integrations.boss.services import billing_system

    number = (
        ServiceAccount.objects.filter(customer_id=customer_id)
        .values_list("number", flat=True)
        .first()
    )
    if not number:
        return None
    try:
        with time_budget(0.5):
            account = billing_system().get_account(number)
    except BillingError:
        return None
    return f"balance {account.balance} yuan"


def context_from(facts: dict[str, Any]) -> Context:
    return Context(
        is_open=lambda calendar: facts["open"].get(calendar, True),
        balance=lambda: facts["balance"],
        area_fault=lambda: facts["area_fault"],
    )
