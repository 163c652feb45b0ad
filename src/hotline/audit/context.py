"""Who is acting: set per request by middleware and by services acting for a user."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditActor:
    user_id: int | None
    name: str
    ip: str | None = None


SYSTEM_ACTOR = AuditActor(user_id=None, name="system")
_current_actor: contextvars.ContextVar[AuditActor] = contextvars.ContextVar(
    "hotline_audit_actor", default=SYSTEM_ACTOR
)
# True inside a service: it writes its own history, so the model-signal safety net is off.
_explicit: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "hotline_audit_explicit", default=False
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


def explicit_audit() -> bool:
    """Whether the code running now records its own audit entries (a service)."""
    return _explicit.get()


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[AuditActor]:
    """Run a service body for ``user`` (its ``by``), keeping the request's address.

    Inside the block the service writes its own audit entries (``audit_record``,
    ``audit_saved``); model signals stay silent, so nothing is logged twice and nothing is
    logged only by accident.
    """
    token = _explicit.set(True)
    try:
        if user is None:
            yield current_actor()
        else:
            with audit_actor(user, ip=current_actor().ip) as actor:
                yield actor
    finally:
        _explicit.reset(token)
