"""Row ids read from what a browser sent (form fields, query strings, push topics).

``str.isdigit()`` also says yes to ``²`` or ``١``, on which ``int()`` fails or which no
one typed as an id, and a long enough run of digits overflows the database's integer in an
``IN (…)`` list or an insert (Django guards only single comparisons): both were 500s.
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # the largest value of a 64-bit database integer (BigAutoField)


def parse_id(raw: Any) -> int | None:
    """``raw`` as a row id: ASCII digits of a value from 1 to ``MAX_ID``; else ``None``."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
