from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from hotline.audit.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def phone_mask(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def id_mask(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key, "") if mapping else ""


_MATCH_LABELS = {
    "id_number": _("ID-card number"),
    "phone": _("Phone"),
    "phone_suffix": _("Last digits of a phone"),
    "landline": _("Landline without area code"),
    "name_fragment": _("Part of a company name"),
    "account": _("Account number"),
    "card": _("Smart card"),
    "device": _("Device serial"),
    "name": _("Name"),
    "name_prefix": _("Start of name"),
    "address": _("Address"),
}


@register.filter
def match_label(kind: str) -> str:
    return str(_MATCH_LABELS.get(kind, kind))


def _seconds(value: float | None) -> str:
    if value is None or value < 0:
        return ""
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


@register.filter
def call_wait(call: Any) -> str:
    """How long the caller waited before an agent answered (or until they hung up)."""
    start = call.queued_at or call.offered_at
    end = call.answered_at or call.ended_at
    return _seconds((end - start).total_seconds()) if start and end else ""


@register.filter
def call_talk(call: Any) -> str:
    """How long the caller talked with an agent."""
    if not call.answered_at or not call.ended_at:
        return ""
    return _seconds((call.ended_at - call.answered_at).total_seconds())
