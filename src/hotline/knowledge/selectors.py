"""Read queries of the knowledge base: lists, announcements, must-reads, receipts, the desk."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hotline.accounts.models import Region, Role, Team
from hotline.accounts.scope import regions_in_scope
from hotline.knowledge.access import VIEW, editable_articles, knowledge_scope, readable_articles
from hotline.knowledge.models import (
    Article,
    ArticleContext,
    Directory,
    KnowledgeGroup,
    ReadReceipt,
    SynonymGroup,
    Tag,
)
from hotline.knowledge.search.engine import region_above_ids

ANNOUNCEMENT = Article.Kind.ANNOUNCEMENT


def announcements_for_region(region: Region | None, *, at: datetime.datetime) -> list[Article]:
    """Area announcements that concern callers in ``region`` at ``at``, newest first.

    For the customer page and the IVR ("play the announcement of the caller's area"): the
    announcements for ``region``, for a region above it, and for everywhere. No user scope:
    an announcement is what every caller of the area may hear.
    """
    articles = Article.objects.published().valid_at(at).filter(kind=ANNOUNCEMENT)
    if region is None:
        articles = articles.filter(region__isnull=True)
    else:
        articles = articles.filter(
            Q(region__isnull=True) | Q(region_id__in=region_above_ids(region))
        )
    return list(articles.select_related("region").order_by("-published_at", "-id")[:20])


def announcements_for_user(user: Any, *, at: datetime.datetime | None = None) -> list[Article]:
    """Announcements of the areas ``user`` works in, valid now (the home page)."""
    at = at or timezone.now()
    return list(
        readable_articles(user, at=at)
        .filter(kind=ANNOUNCEMENT)
        .select_related("region")
        .order_by("-published_at", "-id")[:10]
    )


def _confirmed(user: Any) -> Exists:
    return Exists(
        ReadReceipt.objects.filter(article=OuterRef("pk"), user=user).filter(
            Q(article__must_read_since__isnull=True)
            | Q(confirmed_at__gte=OuterRef("must_read_since"))
        )
    )


def must_read_pending(user: Any, *, at: datetime.datetime | None = None) -> list[Article]:
    """Must-read articles ``user`` may read and has not confirmed since they last changed."""
    return list(
        readable_articles(user, at=at)
        .filter(must_read=True)
        .exclude(_confirmed(user))
        .order_by("-must_read_since", "-id")[:20]
    )


def has_confirmed(user: Any, article: Article) -> bool:
    return (
        Article.objects.filter(pk=article.pk).filter(_confirmed(user)).exists()
        if article.must_read
        else False
    )


def directory_tree() -> list[Directory]:
    return list(Directory.objects.select_related("group").order_by("path"))


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.filter(articles__status=Article.Status.PUBLISHED).distinct().order_by("name")


def article_browse(
    user: Any,
    *,
    directory: Directory | None = None,
    tag: Tag | None = None,
    kind: str = "",
    area: Region | None = None,
) -> QuerySet[Article]:
    """Readable articles without a search text, newest first (the knowledge page's list)."""
    articles = readable_articles(user).select_related("directory", "region")
    if directory is not None:
        articles = articles.filter(directory__path__startswith=directory.path)
    if tag is not None:
        articles = articles.filter(tags=tag)
    if kind:
        articles = articles.filter(kind=kind)
    if area is not None:
        from hotline.knowledge.search.engine import region_area_ids

        articles = articles.filter(region_id__in=region_area_ids(area))
    return articles.order_by("-published_at", "-id")


# --- read receipts (team leads) ---------------------------------------------------------


def _audience(article: Article) -> QuerySet[Any]:
    """Active users who may read ``article`` (by role permission, group and area)."""
    User = get_user_model()
    app_label, codename = VIEW.split(".")
    roles = Role.objects.filter(
        permissions__content_type__app_label=app_label, permissions__codename=codename
    )
    users = User.objects.filter(is_active=True).filter(Q(role__in=roles) | Q(is_superuser=True))
    group = article.group
    if group is not None and not group.everyone_reads:
        users = users.filter(
            Q(role__in=group.reader_roles.all())
            | Q(team__in=group.reader_teams.all())
            | Q(pk__in=group.readers.all())
            | Q(role__in=group.editor_roles.all())
            | Q(pk__in=group.editors.all())
        )
    if article.region_id is not None:
        region = article.region
        above = region_above_ids(region)
        users = users.filter(
            Q(regions__path__startswith=region.path)
            | Q(regions__in=above)
            | Q(role__all_regions=True)
            | Q(is_superuser=True)
        )
    return users.distinct()


def receipt_basis(viewer: Any) -> str:
    """Whose confirmations the read receipts count for ``viewer``: ``"all"`` (a whole-site
    scope: managers, admins), ``"team"`` (a team lead: the people of the teams they lead)
    or ``"regions"`` (a role given the page that leads no team: the people of their
    regions)."""
    if regions_in_scope(viewer) is None:
        return "all"
    if Team.objects.filter(lead=viewer).exists():
        return "team"
    return "regions"


def _people_of(viewer: Any, users: QuerySet[Any], basis: str) -> QuerySet[Any]:
    if basis == "all":
        return users
    if basis == "team":
        return users.filter(team__lead=viewer).exclude(pk=viewer.pk)
    return users.filter(regions__in=sorted(regions_in_scope(viewer) or ())).distinct()


@dataclass
class ReceiptRow:
    article: Article
    audience: int
    confirmed: int

    @property
    def pending(self) -> int:
        return self.audience - self.confirmed


def _confirmed_ids(article: Article) -> set[int]:
    receipts = ReadReceipt.objects.filter(article=article)
    if article.must_read_since:
        receipts = receipts.filter(confirmed_at__gte=article.must_read_since)
    return set(receipts.values_list("user_id", flat=True))


def receipts_overview(lead: Any) -> list[ReceiptRow]:
    """Each current must-read article with how many of ``lead``'s people (``receipt_basis``)
    confirmed it."""
    basis = receipt_basis(lead)
    rows = []
    articles = (
        Article.objects.published()
        .valid_at(timezone.now())
        .filter(must_read=True)
        .select_related("group", "region")
        .order_by("-must_read_since", "-id")[:50]
    )
    for article in articles:
        people = set(_people_of(lead, _audience(article), basis).values_list("pk", flat=True))
        rows.append(ReceiptRow(article, len(people), len(people & _confirmed_ids(article))))
    return rows


def receipt_people(lead: Any, article: Article) -> tuple[list[Any], list[Any]]:
    """(who has not confirmed, who has) among ``lead``'s people who must read ``article``."""
    people = list(
        _people_of(lead, _audience(article), receipt_basis(lead))
        .select_related("team", "role")
        .order_by("username")
    )
    done = _confirmed_ids(article)
    return [p for p in people if p.pk not in done], [p for p in people if p.pk in done]


# --- the editor's desk ------------------------------------------------------------------


def editor_desk(user: Any, *, at: datetime.datetime | None = None) -> dict[str, Any]:
    """What a knowledge editor works through today."""
    at = at or timezone.now()
    mine = editable_articles(user).select_related("directory", "created_by")
    return {
        "in_review": list(mine.filter(status=Article.Status.REVIEW).order_by("updated_at")[:50]),
        "drafts": list(mine.filter(status=Article.Status.DRAFT).order_by("-updated_at")[:50]),
        "expiring": list(
            mine.published()
            .filter(valid_until__gt=at, valid_until__lte=at + datetime.timedelta(days=3))
            .order_by("valid_until")[:20]
        ),
        "expired": list(mine.published().filter(valid_until__lte=at).order_by("-valid_until")[:20]),
        "unhelpful": list(
            mine.published()
            .filter(not_useful_count__gt=0)
            .order_by("-not_useful_count", "-id")[:10]
        ),
        "recent": list(mine.published().order_by("-published_at")[:10]),
    }


def synonym_groups() -> QuerySet[SynonymGroup]:
    return SynonymGroup.objects.order_by("id")


def groups_for(user: Any) -> QuerySet[KnowledgeGroup]:
    scope = knowledge_scope(user)
    groups = KnowledgeGroup.objects.order_by("name")
    if scope.edit_group_ids is None:
        return groups
    return groups.filter(pk__in=sorted(scope.edit_group_ids))


# --- suggestions where agents work ------------------------------------------------------


def context_articles(
    user: Any, *, contexts: list[tuple[str, str]], limit: int = 5
) -> list[Article]:
    """Readable articles linked to any of ``contexts`` (statistic item, order type, IVR)."""
    condition = Q()
    for kind, code in contexts:
        if code:
            condition |= Q(kind=kind, code=code)
    if not condition:
        return []
    ids = ArticleContext.objects.filter(condition).values("article_id")
    return list(
        readable_articles(user)
        .filter(pk__in=ids)
        .order_by("-useful_count", "-published_at", "-id")[:limit]
    )
