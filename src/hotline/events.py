"""Domain events: services announce what happened, subscribers react.

A service calls ``publish("customer.updated", {...})`` inside its transaction, after it has
changed state and written its audit entry. Subscribers come in two kinds:

- ``phase="transaction"`` runs at once, inside the caller's transaction. Use it only to
  write durable rows that must exist exactly when the change exists (webhook deliveries,
  SLA timers): they commit or roll back with it. Keep it short; an error undoes the change.
- ``phase="commit"`` (the default) runs after the outermost transaction commits: browser
  pushes, enqueuing tasks, caches. It never runs for a change that rolled back, and an error
  in it is logged and never reaches the user whose change already committed.

Apps subscribe in their ``AppConfig.ready``. Event names are ``<noun>.<verb>`` in the past
tense; patterns may end in ``*`` (``"customer.*"``, ``"*"``).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

Phase = Literal["transaction", "commit"]


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]
    actor_id: int | None = None
    actor_name: str = "system"
    occurred_at: datetime = field(default_factory=timezone.now)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


Handler = Callable[[Event], None]


@dataclass(frozen=True)
class _Subscription:
    pattern: str
    handler: Handler
    phase: Phase

    def matches(self, name: str) -> bool:
        if self.pattern.endswith("*"):
            return name.startswith(self.pattern[:-1])
        return name == self.pattern


_subscriptions: list[_Subscription] = []
_recorders: list[list[Event]] = []


def subscribe(pattern: str, handler: Handler | None = None, *, phase: Phase = "commit") -> Any:
    """Call ``handler(event)`` for every event whose name matches ``pattern``.

    Usable as ``subscribe("customer.*", handler)`` or as a decorator. Subscribing the same
    handler to the same pattern twice has no further effect.
    """
    if phase not in ("transaction", "commit"):
        raise ValueError(f"unknown phase {phase!r}")

    def register(fn: Handler) -> Handler:
        sub = _Subscription(pattern, fn, phase)
        if sub not in _subscriptions:
            _subscriptions.append(sub)
        return fn

    return register(handler) if handler is not None else register


def _run(event: Event, subscription: _Subscription) -> None:
    try:
        subscription.handler(event)
    except Exception:
        logger.exception("event subscriber %r failed for %s", subscription.handler, event.name)


def publish(name: str, data: dict[str, Any] | None = None, *, using: str | None = None) -> Event:
    """Announce ``name`` with ``data`` (JSON-serialisable) on behalf of the current actor."""
    from hotline.audit.context import current_actor

    actor = current_actor()
    event = Event(name=name, data=dict(data or {}), actor_id=actor.user_id, actor_name=actor.name)
    for recorder in _recorders:
        recorder.append(event)
    for sub in _subscriptions:
        if not sub.matches(name):
            continue
        if sub.phase == "transaction":
            sub.handler(event)  # errors propagate: the change must not commit without it
        else:
            transaction.on_commit(lambda sub=sub: _run(event, sub), using=using, robust=True)
    return event


@contextlib.contextmanager
def recorded_events() -> Iterator[list[Event]]:
    """Collect every event published inside the block (for tests and diagnostics)."""
    events: list[Event] = []
    _recorders.append(events)
    try:
        yield events
    finally:
        _recorders.remove(events)
