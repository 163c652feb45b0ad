"""Form widgets for the browser's own date pickers.

``<input type="date">`` and ``<input type="datetime-local">`` take ISO values only, whatever
the page's language; Django's ``DateInput`` renders a value in the active language's first
input format (``2026/11/01`` in Chinese), which the browser throws away, so a pre-filled
period showed up empty in the Chinese UI.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)
