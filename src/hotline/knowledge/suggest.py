"""Articles suggested where agents work: the customer page, the order form, the desktop.

From what is known at that moment: the statistic item, the order type, the IVR choice, the
customer's area, and the text the agent is typing. Announcements of the area come first
(a planned outage explains the call), then articles linked to the context, then matches of
the typed text among articles for everywhere and for the area.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from hotline.accounts.models import Region
from hotline.knowledge.access import knowledge_scope
from hotline.knowledge.models import Article, ArticleContext
from hotline.knowledge.search.engine import Hit, article_search
from hotline.knowledge.selectors import announcements_for_region, context_articles

LIMIT = 6


@dataclass
class Suggestions:
    announcements: list[Article] = field(default_factory=list)
    linked: list[Article] = field(default_factory=list)
    matches: list[Hit] = field(default_factory=list)
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.announcements or self.linked or self.matches)


def suggestions_for(
    user: Any,
    *,
    statistic_item: str = "",
    order_type: str = "",
    ivr_choice: str = "",
    region: Region | None = None,
    text: str = "",
    at: datetime.datetime | None = None,
    limit: int = LIMIT,
) -> Suggestions:
    at = at or timezone.now()
    result = Suggestions(text=text.strip())
    if not knowledge_scope(user).can_read:
        return result
    if region is not None:
        result.announcements = announcements_for_region(region, at=at)[:3]
    K = ArticleContext.Kind
    result.linked = context_articles(
        user,
        contexts=[
            (K.STATISTIC_ITEM, statistic_item),
            (K.ORDER_TYPE, order_type),
            (K.IVR_CHOICE, ivr_choice),
        ],
        limit=limit,
    )
    if result.text:
        shown = [a.pk for a in result.announcements] + [a.pk for a in result.linked]
        result.matches = article_search(
            user=user,
            text=result.text,
            applies_to=region,
            exclude_ids=shown,
            per_page=max(limit - len(result.linked), 3),
            at=at,
        ).hits
    return result
