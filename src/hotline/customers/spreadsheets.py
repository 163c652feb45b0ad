"""Cell values that spreadsheets read safely (import error reports and exports)."""

from __future__ import annotations

import re
from typing import Any

# Characters an .xlsx file cannot hold (XML 1.0 forbids them; openpyxl refuses the cell):
# C0 controls other than tab, line feed and carriage return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def spreadsheet_safe(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    """A value any export format can hold: text without control characters that no formula
    can start; other values as they are."""
    if not isinstance(value, str):
        return value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return spreadsheet_safe(value)
