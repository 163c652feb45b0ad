"""Resident ID-card numbers (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character ID number, or ``None`` if it is."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        return "length"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "characters"
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if id_check_character(value[:17]) != value[17]:
        return "check_digit"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_problem(value) is None
