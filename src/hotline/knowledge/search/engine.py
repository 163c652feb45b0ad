"""Searching the knowledge base as a given user: parse, match, scope, rank, highlight."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from hotline.accounts.models import Region
from hotline.knowledge.access import knowledge_scope
from hotline.knowledge.search import backends, snippet
from hotline.knowledge.search.index import day_number
from hotline.knowledge.search.query import SearchQuery, parse
from hotline.knowledge.search.synonyms import current_synonyms
from hotline.periods import day_after, day_start

PER_PAGE = 20
# Per tier, at most this many of the newest matches are ranked (see backends.match).
CANDIDATES = 300


@dataclass
class Hit:
    """One found article, with what a result line shows (no model instance: lists are hot)."""

    pk: int
    title: str
    kind: str
    directory_name: str
    region_name: str
    published_at: datetime.datetime | None
    score: float
    title_html: SafeString
    snippet_html: SafeString

    @property
    def kind_label(self) -> str:
        from hotline.knowledge.models import Article

        return str(Article.Kind(self.kind).label) if self.kind in Article.Kind.values else ""


@dataclass
class SearchResult:
    text: str
    query: SearchQuery
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def region_above_ids(region: Region) -> list[int]:
    """``region`` and every region above it (a district's announcement covers its stations)."""
    codes = [code for code in region.path.strip("/").split("/") if code]
    return list(Region.objects.filter(code__in=codes).values_list("pk", flat=True))


def region_area_ids(region: Region) -> list[int]:
    """Articles "for" ``region``: for it, for a region above it or for one below it."""
    below = Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True)
    return sorted({*region_above_ids(region), *below})


def _restrict(ids: list[int], scope_ids: frozenset[int] | None) -> list[int]:
    return ids if scope_ids is None else [i for i in ids if i in scope_ids]


def article_search(
    *,
    user: Any,
    text: str,
    directory: Any = None,
    tag: Any = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    area: Region | None = None,
    applies_to: Region | None = None,
    kinds: list[str] | None = None,
    exclude_ids: list[int] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    at: datetime.datetime | None = None,
) -> SearchResult:
    """Published, valid articles ``user`` may read that match ``text``, best first.

    ``area`` keeps only articles for that area (above, at or below it); ``applies_to``
    keeps articles for everywhere and for that region or a region above it (what concerns
    a customer living there). Dates are days in the current time zone, both inclusive.
    """
    from hotline.knowledge.models import Article

    at = at or timezone.now()
    query = parse(text, current_synonyms())
    result = SearchResult(text=text, query=query, page=max(page, 1))
    scope = knowledge_scope(user)
    if not query or not scope.can_read:
        return result
    filters = backends.Filters(
        group_ids=None if scope.read_group_ids is None else sorted(scope.read_group_ids),
        region_ids=None if scope.region_ids is None else sorted(scope.region_ids),
        kinds=kinds,
        valid_at=at,
        exclude_ids=list(exclude_ids or []),
    )
    if applies_to is not None:
        filters.region_ids = _restrict(region_above_ids(applies_to), scope.region_ids)
    if area is not None:
        filters.area_ids = _restrict(region_area_ids(area), scope.region_ids)
    if directory is not None:
        filters.directory_path = directory.path
    if tag is not None:
        filters.tag_id = tag.pk
    if date_from:
        filters.published_from = day_start(date_from)
    if date_to:
        filters.published_before = day_after(date_to)
    offset = (result.page - 1) * per_page
    arguments = {
        "fts5": query.fts5(),
        "tsquery": query.tsquery(),
        "filters": filters,
        "today": day_number(at),
        "candidates": CANDIDATES,
    }
    rows = backends.match(tier=1, **arguments)
    if len(rows) <= offset + per_page:
        rows += backends.match(tier=2, **arguments)
    result.has_next = len(rows) > offset + per_page
    rows = rows[offset : offset + per_page]
    fields = ("pk", "title", "kind", "directory__name", "region__name", "published_at")
    found = {
        row[0]: row
        for row in Article.objects.filter(pk__in=[pk for pk, _ in rows])
        .order_by()
        .values_list(*fields, "body_text")
    }
    words = query.highlight_words()
    marker = snippet.Marker(words)
    for pk, score in rows:
        row = found.get(pk)
        if row is None:  # unpublished between the two queries
            continue
        _pk, title, kind, directory_name, region_name, published_at, body_text = row
        pinyin = snippet.pinyin_words(title, words)
        title_marker = snippet.Marker([*words, *pinyin]) if pinyin else marker
        result.hits.append(
            Hit(
                pk=pk,
                title=title,
                kind=kind,
                directory_name=directory_name or "",
                region_name=region_name or "",
                published_at=published_at,
                score=score,
                title_html=title_marker.highlight(title),
                snippet_html=marker.snippet(body_text),
            )
        )
    return result
