"""Personal data: who may see it unmasked, and the audited way to unmask it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from hotline.audit.masking import MASKERS, mask_generic
from hotline.audit.record import audit_record

UNMASK_PERMISSION = "customers.unmask_personal_data"


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
