"""What readers do with an article: confirm a must-read, answer "was this useful?"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.audit.record import audit_record
from hotline.events import publish
from hotline.knowledge.access import can_read_article
from hotline.knowledge.models import Article, ReadReceipt, Vote


def _readable(article: Article, by: Any) -> None:
    if not can_read_article(by, article) or article.status != Article.Status.PUBLISHED:
        raise ValidationError({"article": _("This article is not published for you.")})


def article_confirm_read(*, article: Article, by: Any) -> ReadReceipt:
    """``by`` confirms having read the current version of a must-read article.

    Confirming twice keeps the first confirmation unless the article became must-read
    again since (a changed policy), which asks everyone again.
    """
    _readable(article, by)
    if not article.must_read:
        raise ValidationError({"article": _("This article does not ask for confirmation.")})
    now = timezone.now()
    with acting_as(by), transaction.atomic():
        receipt, created = ReadReceipt.objects.get_or_create(
            article=article, user=by, defaults={"version": article.version, "confirmed_at": now}
        )
        stale = article.must_read_since and receipt.confirmed_at < article.must_read_since
        if not created and not stale:
            return receipt
        if stale:
            receipt.version, receipt.confirmed_at = article.version, now
            receipt.save(update_fields=["version", "confirmed_at"])
        audit_record(
            action="confirm_read",
            obj=article,
            changes={"reader": by.get_username(), "version": article.version},
        )
        publish(
            "article.read_confirmed",
            {"article": {"id": article.pk, "title": article.title}, "user": by.pk},
        )
    return receipt


def article_vote(*, article: Article, by: Any, useful: bool) -> Vote:
    """Record ``by``'s answer to "was this useful?" (one per person, changeable)."""
    _readable(article, by)
    with acting_as(by), transaction.atomic():
        vote = Vote.objects.select_for_update().filter(article=article, user=by).first()
        if vote is not None and vote.useful == useful:
            return vote
        counters: dict[str, Any] = {}
        if vote is None:
            vote = Vote.objects.create(article=article, user=by, useful=useful)
        else:
            counters["useful_count" if vote.useful else "not_useful_count"] = (
                F("useful_count" if vote.useful else "not_useful_count") - 1
            )
            vote.useful, vote.voted_at = useful, timezone.now()
            vote.save(update_fields=["useful", "voted_at"])
        field = "useful_count" if useful else "not_useful_count"
        counters[field] = F(field) + 1
        Article.objects.filter(pk=article.pk).update(**counters)
        audit_record(action="vote", obj=article, changes={"useful": useful})
        publish(
            "article.voted",
            {"article": {"id": article.pk}, "useful": useful, "user": by.pk},
        )
    return vote
