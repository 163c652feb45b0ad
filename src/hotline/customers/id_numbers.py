"""Resident ID-card numbers (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.

Digits are ASCII 0–9 only: ``str.isdigit()`` also accepts ``²`` and other characters that
``int()`` cannot read, so the checks below never use it.
"""

from __future__ import annotations

import datetime
import operator
import re

from hotline.customers.phones import ascii_digits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FIRST17 = re.compile(r"[0-9]{17}")
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def id_check_character(first17: str) -> str:
    if not _FIRST17.fullmatch(first17 or ""):
        raise ValueError("expected 17 ASCII digits")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def id_number_normalize(value: str) -> str:
    """Full-width digits and ``ｘ`` to ASCII, spaces dropped, ``x`` upper-cased."""
    return "".join(ascii_digits(value or "").split()).upper()


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character ID number, or ``None`` if it is."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        return "length"
    if not _SHAPE.fullmatch(value):
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
