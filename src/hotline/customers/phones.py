"""Phone numbers are stored as digits only; this is the one place that normalises them."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    """'+86 139-1234-5678' → '13912345678'; '(0519) 8800 1234' → '051988001234'."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
