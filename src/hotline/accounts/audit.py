"""The audit log: who changed what and when, and who read unmasked personal data.

Models that carry business data inherit ``AuditedModel``; saving or deleting one writes an
``AuditEntry`` with the before/after values of the fields that changed. The acting user and
address come from ``audit_actor`` (set per request by ``AuditContextMiddleware``, and by
commands and services that act on someone's behalf).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

if TYPE_CHECKING:
    from hotline.accounts.models import AuditEntry


@dataclass(frozen=True)
class AuditActor:
    user_id: int | None
    name: str
    ip: str | None = None


SYSTEM_ACTOR = AuditActor(user_id=None, name="system")
_current_actor: contextvars.ContextVar[AuditActor] = contextvars.ContextVar(
    "hotline_audit_actor", default=SYSTEM_ACTOR
)


def actor_for(user: Any, ip: str | None = None) -> AuditActor:
    if user is None or not getattr(user, "is_authenticated", False):
        return AuditActor(user_id=None, name="anonymous", ip=ip)
    return AuditActor(user_id=user.pk, name=user.get_username(), ip=ip)


@contextlib.contextmanager
def audit_actor(
    user: Any = None, *, ip: str | None = None, name: str | None = None
) -> Iterator[AuditActor]:
    """Attribute every audit entry written inside the block to ``user`` (or ``name``)."""
    actor = actor_for(user, ip) if user is not None else AuditActor(None, name or "system", ip)
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def current_actor() -> AuditActor:
    return _current_actor.get()


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[AuditActor]:
    """Attribute entries to ``user`` (a service's ``by``), keeping the request's address."""
    if user is None:
        yield current_actor()
        return
    with audit_actor(user, ip=current_actor().ip) as actor:
        yield actor


def _mask_any(value: Any) -> Any:
    from hotline.accounts.personal_data import mask_generic

    return mask_generic(value) if isinstance(value, str) else value


def _plain(value: Any) -> Any:
    if isinstance(
        value, datetime.datetime | datetime.date | datetime.time | decimal.Decimal | uuid.UUID
    ):
        return str(value)
    return value


class AuditedModel(models.Model):
    """Base for models whose every change is written to the audit log.

    ``audit_exclude`` fields are never logged, ``audit_secret`` ones are logged as "changed"
    without values, and ``audit_masked`` ones (personal data) are logged masked, so that the
    audit log itself does not become a way to read what the screens mask.
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
        if field_name in self.audit_secret:
            return "***"
        if field_name in self.audit_masked:
            return _mask_any(value)
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
) -> AuditEntry:
    """Append one entry to the audit log and return it."""
    from hotline.accounts.models import AuditEntry

    actor = actor or current_actor()
    if obj is not None:
        model = model or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEntry.objects.create(
        actor_id=actor.user_id,
        actor_name=actor.name[:150],
        action=action,
        model=model,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes or {},
        ip=actor.ip,
    )


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
    current = instance.audit_values()
    before = {} if created else getattr(instance, "_audit_snapshot", {})
    limit = None
    if update_fields is not None:
        limit = {instance._meta.get_field(name).attname for name in update_fields}
    changes: dict[str, list[Any]] = {}
    for attname, value in current.items():
        if limit is not None and attname not in limit:
            continue
        old = before.get(attname)
        if created or old != value:
            name = _field_name(sender, attname)
            changes[name] = [
                None if created else instance.audit_display(name, old),
                instance.audit_display(name, value),
            ]
    instance._audit_snapshot = current
    if changes or created:
        audit_record(action="create" if created else "update", obj=instance, changes=changes)


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if not isinstance(instance, AuditedModel):
        return
    before = getattr(instance, "_audit_snapshot", None) or instance.audit_values()
    changes = {
        _field_name(sender, k): [instance.audit_display(_field_name(sender, k), v), None]
        for k, v in before.items()
    }
    audit_record(action="delete", obj=instance, changes=changes)


def _on_m2m(sender, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if reverse or not isinstance(instance, AuditedModel):
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
