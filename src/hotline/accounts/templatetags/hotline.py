from __future__ import annotations

from django import template

from hotline.accounts.personal_data import mask_id_number, mask_phone

register = template.Library()


@register.filter
def phone_mask(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def id_mask(value: str) -> str:
    return mask_id_number(value or "")
