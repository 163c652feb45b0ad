"""Money as people read it on the customer page: "-¥47.21", never "¥-47.21"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """``Decimal("-47.2")`` → ``"-¥47.20"``; blank for no value."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
