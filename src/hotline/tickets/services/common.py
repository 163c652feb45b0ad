"""What every ticket service shares: permission checks, history lines, notifications."""

from __future__ import annotations

import contextvars
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hotline.accounts.scope import regions_in_scope
from hotline.audit.context import current_actor
from hotline.stored_text import Stored, in_site_language
from hotline.tickets.models import Ticket, TicketHistory

_publishing: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar(
    "tickets_publishing", default=None
)


def publish_ticket(name: str, ticket: Ticket, **extra: Any) -> Any:
    """Publish ``ticket.<verb>`` about ``ticket``; its own in-transaction subscribers may use
    the row the service already holds (``publishing_ticket``) instead of reading it again."""
    from hotline.events import publish

    token = _publishing.set(ticket)
    try:
        return publish(name, {"ticket": ticket.event_data(), **extra})
    finally:
        _publishing.reset(token)


def publishing_ticket(pk: int) -> Ticket | None:
    """The order being published right now, if it is ``pk``."""
    ticket = _publishing.get()
    return ticket if ticket is not None and ticket.pk == pk else None


def require(by: Any, permission: str) -> None:
    """``by`` must hold ``permission``; ``None`` is the system (timers), which may."""
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(permission)


def require_in_scope(by: Any, ticket: Ticket) -> None:
    """A person may only act on orders inside their regions (404 at the doors)."""
    if by is None:
        return
    scope = regions_in_scope(by)
    if scope is not None and ticket.region_id not in scope:
        raise PermissionDenied("region")


def history_add(
    ticket: Ticket,
    action: str,
    *,
    by: Any = None,
    from_state: str = "",
    to_state: str = "",
    note: str | Stored = "",
    technician_id: int | None = None,
    owner_id: int | None = None,
    timer_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TicketHistory:
    """Append one line to the order's history (the actor defaults to whoever is acting).

    A ``note`` the system words itself is a ``stored_text.stored`` message: kept as such in
    ``data["note_msg"]`` (each reader sees it in their language) and in the site's language
    in ``note``."""
    if isinstance(note, dict):
        data = {**(data or {}), "note_msg": note}
        note = in_site_language(note)
    actor = current_actor()
    actor_id = by.pk if by is not None else actor.user_id
    name = by.get_username() if by is not None else actor.name
    if by is not None and str(by) != name:
        name = f"{by} ({name})"
    return TicketHistory.objects.create(
        ticket=ticket,
        at=at or timezone.now(),
        actor_id=actor_id,
        actor_name=name[:150],
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        technician_id=technician_id,
        owner_id=owner_id,
        timer_id=timer_id,
        data=data or {},
    )


def sms_send(
    *, to: str, text: str | Stored, ticket: Ticket | None = None, purpose: str = ""
) -> None:
    """Queue an SMS in the caller's transaction (the SMS outbox sends and retries it)."""
    from hotline.tickets import notify

    notify.sms(to=to, text=text, ticket=ticket, purpose=purpose)
