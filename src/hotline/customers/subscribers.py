"""What the customers app does with events: open customer pages learn of changes."""

from __future__ import annotations

from typing import Any

from hotline.events import Event
from hotline.ids import parse_id
from hotline.push.send import push_send


def push_customer_event(event: Event) -> None:
    """Tell the pages showing this customer what changed (no personal data in the push)."""
    customer = event.data.get("customer") or {}
    customer_id = customer.get("id") if isinstance(customer, dict) else None
    if not customer_id:
        return
    push_send(
        f"customer.{customer_id}",
        event.name,
        {"id": customer_id, "by": event.actor_name, "changed": event.data.get("changed", [])},
    )


def customer_topic_allowed(user: Any, key: str) -> bool:
    from hotline.customers.models import Customer

    if parse_id(key) is None or not user.has_perm("customers.view_customer"):
        return False
    return Customer.objects.visible_to(user).filter(pk=parse_id(key)).exists()
