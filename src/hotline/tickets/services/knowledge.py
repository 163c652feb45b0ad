"""A resolved order's fault and solution as a knowledge-base draft ("create article")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.tickets.models import Ticket
from hotline.tickets.services.common import history_add, require, require_in_scope
from hotline.tickets.workflow import State

# Orders whose solution is known: resolved, verified by callback, closed.
DRAFTABLE_STATES = frozenset({State.RESOLVED, State.VERIFIED, State.CLOSED})
KNOWLEDGE_EDIT = "knowledge.change_article"
VIEW = "tickets.view_ticket"


def may_draft_article(user: Any, ticket: Ticket) -> bool:
    """The "create article" button: an order with a solution, seen by someone who may see
    it. Whoever closes a case may offer its solution to the knowledge base; the draft goes
    to review, where editors finish or drop it (one draft per order)."""
    return ticket.state in DRAFTABLE_STATES and user.has_perm(VIEW)


def _title(ticket: Ticket) -> str:
    lines = (line.strip() for line in ticket.description.splitlines())
    first_line = next((line for line in lines if line), "")
    category = str(ticket.category) if ticket.category_id else ticket.order_type.label
    title = f"{category}: {first_line}" if first_line else category
    return title[:120]


def ticket_article_draft(*, ticket: Ticket, by: Any) -> Any:
    """Draft a knowledge article from ``ticket``'s fault category, description and solution
    (one draft per order: asking again returns it); the order's history says so."""
    from hotline.knowledge.services.articles import article_draft_from_case

    if by is None:
        raise PermissionDenied(VIEW)
    require(by, VIEW)
    require_in_scope(by, ticket)
    if ticket.state not in DRAFTABLE_STATES:
        raise ValidationError({"state": _("Only a resolved or closed order has a solution.")})
    solution = ticket.resolution_note.strip()
    if ticket.parts_used.strip():
        solution += "\n\n" + _("Parts used: %(parts)s") % {"parts": ticket.parts_used.strip()}
    with acting_as(by), transaction.atomic():
        article = article_draft_from_case(
            title=_title(ticket),
            fault=ticket.description,
            solution=solution,
            source_ref=f"ticket:{ticket.number}",
            by=by,
            tags=[str(ticket.category)[:40]] if ticket.category_id else [],
        )
        already = ticket.history.filter(action="article_drafted", data__article_id=article.pk)
        if not already.exists():
            history_add(
                ticket,
                "article_drafted",
                by=by,
                note=article.title,
                data={"article_id": article.pk},
            )
    return article
