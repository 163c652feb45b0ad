"""The audit log as a manager reads it: object types and fields by their translated names,
changes as "field: old → new", values by their labels (choices, yes/no), in the reader's
language. Display only: what is stored in ``AuditEntry`` is not touched.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import AuditEntry
from hotline.audit.masking import SECRET_PLACEHOLDER

EMPTY = "—"
# Actions that record someone signing in or out: kept out of the default list.
SIGN_IN_ACTIONS = (
    AuditEntry.Action.LOGIN,
    AuditEntry.Action.LOGIN_FAILED,
    AuditEntry.Action.LOGOUT,
)
# Keys that services write next to model fields (see their ``audit_record`` calls).
_EXTRA_LABELS = {
    "cleared_attempts": gettext_lazy("failed attempts cleared"),
    "duplicate": gettext_lazy("duplicate customer"),
    "merge": gettext_lazy("merge record"),
    "phones": gettext_lazy("phones moved"),
    "dropped_phones": gettext_lazy("phones dropped"),
    "phone_numbers": gettext_lazy("phone numbers"),
    "service_accounts": gettext_lazy("service accounts"),
    "accounts": gettext_lazy("accounts moved"),
    "timeline": gettext_lazy("timeline entries moved"),
    "tags": gettext_lazy("tags added"),
    "field": gettext_lazy("data viewed"),
    "via": gettext_lazy("via"),
    "redeliver": gettext_lazy("delivered again"),
    "event": gettext_lazy("event"),
    "customers": gettext_lazy("customers"),
    "seed": gettext_lazy("seed"),
    "reset": gettext_lazy("replaced existing data"),
    "format": gettext_lazy("format"),
    "count": gettext_lazy("count"),
    "unmasked": gettext_lazy("unmasked"),
    "username": gettext_lazy("username"),
    "ip_address": gettext_lazy("IP address"),
    "fields": gettext_lazy("data viewed"),
    "export": gettext_lazy("export format"),
    "rows": gettext_lazy("rows"),
    "query": gettext_lazy("search"),
    "import_job": gettext_lazy("import job"),
    "file": gettext_lazy("file"),
    "requeued_as": gettext_lazy("queued again as"),
    "to": gettext_lazy("to"),
    "reference": gettext_lazy("reference"),
    "length": gettext_lazy("length"),
    "loaded": gettext_lazy("rows loaded"),
    "source": gettext_lazy("source"),
    "replace": gettext_lazy("replaced existing data"),
    "version": gettext_lazy("version"),
    "restored_version": gettext_lazy("restored from version"),
    "note": gettext_lazy("note"),
    "reader": gettext_lazy("reader"),
    "useful": gettext_lazy("useful"),
    "size": gettext_lazy("size (bytes)"),
}


# Who wrote an entry when no person did (``audit_actor(name=...)`` in the services).
_SYSTEM_ACTORS = {
    "system": gettext_lazy("System"),
    "timer": gettext_lazy("System (timer)"),
    "demo": gettext_lazy("Demo data"),
    "anonymous": gettext_lazy("Not signed in"),
}
# How ``audit.record._plain`` stores an aware time: ISO 8601 with its UTC offset.
_STORED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


def audit_actor_label(entry: AuditEntry) -> str:
    """The entry's actor as the reader knows it: a person's name, or 系统 / 系统（定时器）."""
    if entry.actor_id is None and entry.actor_name in _SYSTEM_ACTORS:
        return str(_SYSTEM_ACTORS[entry.actor_name])
    return entry.actor_name


def _local_time(value: str) -> str | None:
    """A stored time (UTC, ISO 8601) in the reader's time zone, as the rest of the page shows
    times; None when ``value`` is not one."""
    if not _STORED_TIME.match(value):
        return None
    try:
        at = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}"


@dataclass(frozen=True)
class ChangeLine:
    """One line of an entry's changes: ``label: old → new`` (or ``label: value``)."""

    label: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


@cache
def _model(label_lower: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label_lower)
    except (LookupError, ValueError):
        return None


def audit_model_label(label_lower: str) -> str:
    """ "customers.customer" → "客户" (the model's verbose name in the active language)."""
    model = _model(label_lower) if label_lower else None
    return str(model._meta.verbose_name) if model is not None else label_lower


def audit_model_choices(labels: list[str]) -> list[tuple[str, str]]:
    """(value, translated name) pairs for a filter, sorted by what the reader sees. Two types
    with one name (a customer's tag and an article's tag) are told apart by their app's name."""
    names = {label: audit_model_label(label) for label in labels}
    shared = {name for name, count in collections.Counter(names.values()).items() if count > 1}
    choices = []
    for label, name in names.items():
        model = _model(label) if name in shared else None
        if model is not None:
            name = _("%(type)s (%(app)s)") % {
                "type": name,
                "app": model._meta.app_config.verbose_name,
            }
        choices.append((label, name))
    return sorted(choices, key=lambda c: c[1])


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    return str(_EXTRA_LABELS.get(name, name))


MAX_SHOWN = 160


def _value(field: models.Field | None, value: Any) -> str:
    text = _full_value(field, value)
    # An article body or a long note would push every other entry off the screen.
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _full_value(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if value == SECRET_PLACEHOLDER:
        return _("(hidden)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(None, item) for item in value) or EMPTY
    if isinstance(value, dict):
        # A JSON field's value: "key: value" pairs, not Python's repr with braces and quotes.
        pairs = (f"{key}: {_value(None, item)}" for key, item in value.items())
        return "; ".join(pairs) or EMPTY
    if field is not None:
        if (field.model._meta.label_lower, field.name) == _SMS_REFERENCE and isinstance(value, str):
            from hotline.tickets.notify import reference_text

            return reference_text(value) or value
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            name = (_related_names.get() or {}).get((_related_label(field), value))
            return f"{name} (#{value})" if name else f"#{value}"
    if isinstance(value, str):
        return _local_time(value) or value
    return str(value)


def _viewed_fields(model: type[models.Model] | None, value: Any) -> str:
    """A reveal's ``field`` ("id_number, phone (admin form)") with translated field names."""
    text = str(value)
    names, _sep, rest = text.partition(" (")
    labels = [_label(model, name.strip()) for name in names.split(",") if name.strip()]
    return ", ".join(labels) + (f" ({rest}" if rest else "")


# Staff and configuration a reader may know by name; customers and orders stay ids (a name
# there would show personal data the reader's region scope may not cover).
NAMED_MODELS = {
    "accounts.user",
    "accounts.technician",
    "accounts.region",
    "accounts.team",
    "accounts.role",
    "tickets.ordertype",
    "tickets.slapolicy",
    "catalog.statisticitem",
}
# An SMS outbox key ("ticket:418:confirmation_code:…") reads as the order and the purpose.
_SMS_REFERENCE = ("integrations.smsmessage", "reference")
# An order's custom form (``Ticket.form_data``) reads field by field, with the type's labels.
_TICKET_FORM = ("tickets.ticket", "form_data")
_form_labels: contextvars.ContextVar[dict[str, dict[str, str]] | None] = contextvars.ContextVar(
    "audit_form_labels", default=None
)
_related_names: contextvars.ContextVar[dict[tuple[str, Any], str] | None] = contextvars.ContextVar(
    "audit_related_names", default=None
)


def _related_label(field: models.Field) -> str:
    return field.related_model._meta.label_lower if field.related_model else ""


def audit_related_names(entries: list[AuditEntry]) -> dict[tuple[str, Any], str]:
    """Names of the staff and configuration rows the entries' changes point to, one query
    per kind of row: ``(model label, id) → name``."""
    wanted: dict[str, set[Any]] = {}
    for entry in entries:
        model = _model(entry.model) if entry.model else None
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name, change in changes.items():
            field = _field(model, name)
            if field is None or not field.is_relation or not isinstance(change, list):
                continue
            label = _related_label(field)
            if label in NAMED_MODELS:
                wanted.setdefault(label, set()).update(
                    v for v in change if isinstance(v, int) and not isinstance(v, bool)
                )
    names: dict[tuple[str, Any], str] = {}
    for label, ids in wanted.items():
        related = _model(label)
        if related is None or not ids:
            continue
        for pk, obj in related._default_manager.in_bulk(list(ids)).items():
            names[(label, pk)] = str(obj)[:80]
    return names


def audit_form_labels(entries: list[AuditEntry]) -> dict[str, dict[str, str]]:
    """The form field labels of the orders whose custom form the entries changed: ``order id
    → {field key → label}`` in the type's order (two queries)."""
    ticket_ids = {
        int(entry.object_id)
        for entry in entries
        if entry.model == _TICKET_FORM[0]
        and isinstance(entry.changes, dict)
        and _TICKET_FORM[1] in entry.changes
        and entry.object_id.isdigit()
    }
    ticket, form_field = _model("tickets.ticket"), _model("tickets.formfield")
    if not ticket_ids or ticket is None or form_field is None:
        return {}
    types = dict(
        ticket._default_manager.filter(pk__in=ticket_ids).values_list("pk", "order_type_id")
    )
    by_type: dict[int, dict[str, str]] = {}
    fields = form_field._default_manager.filter(order_type_id__in=set(types.values()))
    for spec in fields.order_by("sort_order", "id"):
        by_type.setdefault(spec.order_type_id, {})[spec.key] = spec.label
    return {str(pk): by_type.get(type_id, {}) for pk, type_id in types.items()}


@contextlib.contextmanager
def audit_names(entries: list[AuditEntry]) -> Iterator[None]:
    """Show the related rows of ``entries`` by name, and their orders' form fields by label,
    while rendering them."""
    token = _related_names.set(audit_related_names(entries))
    forms = _form_labels.set(audit_form_labels(entries))
    try:
        yield
    finally:
        _form_labels.reset(forms)
        _related_names.reset(token)


def _form_lines(entry: AuditEntry, change: Any) -> list[ChangeLine] | None:
    """An order's custom form change as one line per field: "故障现象: 机顶盒不开机" (created),
    "故障现象: 不开机 → 无信号" (changed); None when the change is not two forms."""
    if not isinstance(change, list) or len(change) != 2:
        return None
    old, new = ({} if side is None else side for side in change)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    from hotline.tickets.selectors import form_keys_labelled, form_value_text

    labels = (_form_labels.get() or {}).get(entry.object_id, {})
    created = entry.action == AuditEntry.Action.CREATE or change[0] is None
    lines = []
    for key, label in form_keys_labelled({**old, **new}, labels):
        before, after = old.get(key), new.get(key)
        if created:
            lines.append(ChangeLine(label, None, _value(None, form_value_text(after))))
        elif before != after:
            lines.append(
                ChangeLine(
                    label,
                    EMPTY if before is None else _value(None, form_value_text(before)),
                    EMPTY if after is None else _value(None, form_value_text(after)),
                )
            )
    return lines


def audit_change_lines(entry: AuditEntry) -> list[ChangeLine]:
    """The entry's changes as lines a manager can read, in the active language."""
    model = _model(entry.model) if entry.model else None
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    lines: list[ChangeLine] = []
    for name, change in changes.items():
        field = _field(model, name)
        label = _label(model, name)
        form = _form_lines(entry, change) if (entry.model, name) == _TICKET_FORM else None
        if form is not None:
            lines.extend(form)
        elif entry.action == AuditEntry.Action.REVEAL and name in {"field", "fields"}:
            named = ", ".join(change) if isinstance(change, list) else change
            lines.append(ChangeLine(label, None, _viewed_fields(model, named)))
        elif (
            isinstance(change, list)
            and len(change) == 2
            and entry.action
            in (
                AuditEntry.Action.CREATE,
                AuditEntry.Action.UPDATE,
                AuditEntry.Action.DELETE,
                AuditEntry.Action.SAVE_VERSION,
                AuditEntry.Action.RESTORE,
                AuditEntry.Action.PUBLISH,
            )
        ):
            old, new = change
            if entry.action == AuditEntry.Action.CREATE or (
                old is None and entry.action != AuditEntry.Action.UPDATE
            ):
                lines.append(ChangeLine(label, None, _value(field, new)))
            elif old == new == SECRET_PLACEHOLDER:
                lines.append(ChangeLine(label, None, _("changed (not shown)")))
            else:
                lines.append(ChangeLine(label, _value(field, old), _value(field, new)))
        elif isinstance(change, dict) and {"added", "removed"} & change.keys():
            parts = []
            if change.get("added"):
                parts.append(_("added %(items)s") % {"items": _value(None, change["added"])})
            if change.get("removed"):
                parts.append(_("removed %(items)s") % {"items": _value(None, change["removed"])})
            lines.append(ChangeLine(label, None, "; ".join(parts)))
        else:
            lines.append(ChangeLine(label, None, _value(field, change)))
    return lines
