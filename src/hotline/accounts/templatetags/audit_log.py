"""Template filters that show audit entries in the reader's language (accounts/audit_display.py)."""

from __future__ import annotations

from django import template

from hotline.accounts.audit_display import (
    ChangeLine,
    audit_actor_label,
    audit_change_lines,
    audit_model_label,
)
from hotline.accounts.models import AuditEntry

register = template.Library()


@register.filter
def audit_model(label_lower: str) -> str:
    return audit_model_label(label_lower)


@register.filter
def audit_changes(entry: AuditEntry) -> list[ChangeLine]:
    return audit_change_lines(entry)


@register.filter
def audit_actor(entry: AuditEntry) -> str:
    return audit_actor_label(entry)
