"""Masking of personal data (ID-card numbers, phones) and the audited way to unmask it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from hotline.accounts.audit import audit_record

UNMASK_PERMISSION = "customers.unmask_personal_data"


def mask_phone(value: str) -> str:
    """139****5678: keep the first three and last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return (
            value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
        )
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    """3204**********1234: keep the first four and last four characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_generic(value: str) -> str:
    if len(value) >= 15:
        return mask_id_number(value)
    return mask_phone(value)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "mobile": mask_phone}


def can_unmask(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(UNMASK_PERMISSION))


def masked(obj: models.Model, field: str) -> str:
    value = getattr(obj, field) or ""
    return MASKERS.get(field, mask_generic)(value)


def personal_data_reveal(*, user: Any, obj: models.Model, field: str) -> str:
    """Return the unmasked value of ``field`` for ``user`` and write the read to the audit log."""
    if field not in getattr(obj, "personal_fields", ()):
        raise PermissionDenied(f"{field} is not a personal-data field")
    if not can_unmask(user):
        raise PermissionDenied("unmask_personal_data")
    value = getattr(obj, field) or ""
    audit_record(action="reveal", obj=obj, changes={"field": field})
    return value
