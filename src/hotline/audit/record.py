"""Writing audit entries: explicitly by services, and by model signals as a safety net.

Services record their own history: ``audit_record(...)`` for an action, ``audit_saved(obj)``
for the fields a save changed (before → after from the snapshot taken when the row was
loaded). Conditional ``UPDATE`` claims and bulk writes call ``audit_record`` themselves, since
no signal fires for them. The ``post_save``/``post_delete``/``m2m_changed`` receivers only
write when no service is acting (the Django admin, a shell), so a change made by a door that
forgot to record it still leaves a trace.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from hotline.audit.context import AuditActor, current_actor, explicit_audit
from hotline.audit.masking import SECRET_PLACEHOLDER, is_secret_name, mask_any, scrub_secrets


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # One zone for every stored time: the same instant saved in local time by one door
        # and in UTC by another is not a change.
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(
        value, datetime.datetime | datetime.date | datetime.time | decimal.Decimal | uuid.UUID
    ):
        return str(value)
    return value


class AuditedModel(models.Model):
    """Base for models whose every change is written to the audit log.

    ``audit_exclude`` fields are never logged, ``audit_secret`` ones (and any field whose
    name looks like a secret) are logged as "changed" without values, and ``audit_masked``
    ones (personal data) are logged masked, so that the audit log itself does not become a
    way to read what the screens mask.
    """

    audit_exclude: ClassVar[set[str]] = set()
    audit_secret: ClassVar[set[str]] = set()
    audit_masked: ClassVar[set[str]] = set()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        instance._audit_snapshot = instance.audit_values()
        return instance

    def audit_values(self) -> dict[str, Any]:
        loaded = self.__dict__
        return {
            field.attname: _plain(loaded[field.attname])
            for field in self._meta.concrete_fields
            if field.attname in loaded and field.name not in self.audit_exclude
        }

    def audit_display(self, field_name: str, value: Any) -> Any:
        if field_name in self.audit_secret or is_secret_name(field_name):
            return SECRET_PLACEHOLDER
        if field_name in self.audit_masked:
            return mask_any(value)
        return value


def _field_name(model: type[models.Model], attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    model: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor: AuditActor | None = None,
) -> Any:
    """Append one entry to the audit log and return it (secret-looking keys scrubbed)."""
    entry_model = apps.get_model("accounts", "AuditEntry")
    actor = actor or current_actor()
    if obj is not None:
        model = model or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return entry_model.objects.create(
        actor_id=actor.user_id,
        actor_name=actor.name[:150],
        action=action,
        model=model,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=scrub_secrets(changes or {}),
        ip=actor.ip,
    )


def model_changes(
    obj: AuditedModel, *, created: bool = False, fields: Iterable[str] | None = None
) -> dict[str, list[Any]]:
    """Before → after of ``obj``'s fields since it was loaded (or all of them if created)."""
    current = obj.audit_values()
    before = {} if created else getattr(obj, "_audit_snapshot", {})
    limit = None
    if fields is not None:
        limit = {obj._meta.get_field(name).attname for name in fields}
    changes: dict[str, list[Any]] = {}
    for attname, value in current.items():
        if limit is not None and attname not in limit:
            continue
        old = before.get(attname)
        if created or old != value:
            name = _field_name(type(obj), attname)
            changes[name] = [
                None if created else obj.audit_display(name, old),
                obj.audit_display(name, value),
            ]
    obj._audit_snapshot = current
    return changes


def audit_saved(
    obj: AuditedModel,
    *,
    created: bool = False,
    fields: Iterable[str] | None = None,
    action: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Any | None:
    """Record what a service's save of ``obj`` changed; nothing if nothing changed."""
    changes = model_changes(obj, created=created, fields=fields)
    if extra:
        changes.update(extra)
    if not changes and not created:
        return None
    return audit_record(
        action=action or ("create" if created else "update"), obj=obj, changes=changes
    )


def audit_deleted(obj: AuditedModel, *, action: str = "delete") -> Any:
    """Record the deletion of ``obj`` with the values it had."""
    before = getattr(obj, "_audit_snapshot", None) or obj.audit_values()
    changes = {
        _field_name(type(obj), k): [obj.audit_display(_field_name(type(obj), k), v), None]
        for k, v in before.items()
    }
    return audit_record(action=action, obj=obj, changes=changes)


# --- the safety net: model signals, silent while a service is acting --------------------


def _on_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    update_fields=None,
    raw=False,
    **kwargs,
) -> None:  # type: ignore[no-untyped-def]
    if raw or not isinstance(instance, AuditedModel):
        return
    if explicit_audit():
        return  # the service records it with ``audit_saved`` (the snapshot is still the "before")
    changes = model_changes(instance, created=created, fields=update_fields)
    if changes or created:
        audit_record(action="create" if created else "update", obj=instance, changes=changes)


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if isinstance(instance, AuditedModel) and not explicit_audit():
        audit_deleted(instance)


def _on_m2m(sender, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if reverse or not isinstance(instance, AuditedModel) or explicit_audit():
        return
    field_name = next(
        (f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), "related"
    )
    if action == "pre_clear":
        instance._audit_m2m_cleared = sorted(str(o) for o in getattr(instance, field_name).all())
        return
    if action in {"post_add", "post_remove"} and pk_set:
        labels = sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set))
        key = "added" if action == "post_add" else "removed"
        audit_record(action="update", obj=instance, changes={field_name: {key: labels}})
    elif action == "post_clear":
        cleared = getattr(instance, "_audit_m2m_cleared", [])
        if cleared:
            audit_record(action="update", obj=instance, changes={field_name: {"removed": cleared}})


def connect() -> None:
    post_save.connect(_on_save, dispatch_uid="hotline_audit_save")
    post_delete.connect(_on_delete, dispatch_uid="hotline_audit_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="hotline_audit_m2m")
