"""Form widgets: the browser's own date pickers, and the region tree.

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


class RegionTreeCheckboxes(forms.CheckboxSelectMultiple):
    """Regions as a tree of checkboxes (city › district › station), each indented by its depth
    below the topmost region offered, so a district-bound user's tree starts at their district.
    The queryset must be ordered by ``path`` (a parent before its children)."""

    template_name = "widgets/region_tree.html"

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> Any:
        groups = super().optgroups(name, value, attrs)
        options = [option for _group, group_options, _index in groups for option in group_options]
        for option in options:
            region = getattr(option["value"], "instance", None)
            option["level"] = getattr(region, "level", "")
            option["depth"] = region.path.strip("/").count("/") if region is not None else 0
        top = min((option["depth"] for option in options), default=0)
        for option in options:
            option["depth"] -= top
        return groups
