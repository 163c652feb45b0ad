"""Who may read and edit which articles: groups, areas, status and validity in one place.

- Reading needs ``knowledge.view_article``. A reader sees published articles valid now, of
  groups they read (everyone-groups, their role, their team, or named), and of areas they
  work in: articles for everywhere, for one of their regions or a region below it, or for a
  region above theirs (a district announcement reaches the stations' agents).
- Editing needs ``knowledge.change_article`` and a group the user edits (its editing roles
  or editors). Users with ``knowledge.change_knowledgegroup`` manage the knowledge base and
  read and edit every group. Editors see their groups' articles in every status.
Everything outside is answered with 404 by ``get_article_for``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from hotline.accounts.models import Region
from hotline.accounts.scope import regions_in_scope

VIEW = "knowledge.view_article"
ADD = "knowledge.add_article"
EDIT = "knowledge.change_article"
PUBLISH = "knowledge.publish_article"
RECEIPTS = "knowledge.view_read_receipts"
MANAGE = "knowledge.change_knowledgegroup"
SYNONYMS = "knowledge.change_synonymgroup"


@dataclass(frozen=True)
class KnowledgeScope:
    can_read: bool
    read_group_ids: frozenset[int] | None  # None: every group
    edit_group_ids: frozenset[int] | None  # None: every group; empty: none
    can_edit: bool
    region_ids: frozenset[int] | None  # areas of articles shown; None: every area

    def reads_group(self, group_id: int | None) -> bool:
        return group_id is None or self.read_group_ids is None or group_id in self.read_group_ids

    def edits_group(self, group_id: int | None) -> bool:
        if not self.can_edit:
            return False
        return group_id is None or self.edit_group_ids is None or group_id in self.edit_group_ids

    def sees_area(self, region_id: int | None) -> bool:
        return region_id is None or self.region_ids is None or region_id in self.region_ids


def _area_ids(user: Any) -> frozenset[int] | None:
    scope = regions_in_scope(user)
    if scope is None:
        return None
    codes: set[str] = set()
    for path in user.regions.values_list("path", flat=True):
        codes.update(code for code in path.strip("/").split("/") if code)
    above = set(Region.objects.filter(code__in=codes).values_list("pk", flat=True))
    return frozenset(scope | above)


def knowledge_scope(user: Any) -> KnowledgeScope:
    """What ``user`` may read and edit (computed once per request and kept on the user)."""
    cached = getattr(user, "_kb_scope", None)
    if cached is not None:
        return cached
    from hotline.knowledge.models import KnowledgeGroup

    if not user.is_authenticated or not user.is_active:
        scope = KnowledgeScope(False, frozenset(), frozenset(), False, frozenset())
    else:
        can_read = user.has_perm(VIEW)
        can_edit = user.has_perm(EDIT)
        manager = user.is_superuser or user.has_perm(MANAGE)
        if manager:
            read_ids = edit_ids = None
        else:
            editable = Q(editors=user)
            if user.role_id:
                editable |= Q(editor_roles=user.role_id)
            edit_ids = (
                frozenset(KnowledgeGroup.objects.filter(editable).values_list("pk", flat=True))
                if can_edit
                else frozenset()
            )
            readable = Q(everyone_reads=True) | Q(readers=user)
            if user.role_id:
                readable |= Q(reader_roles=user.role_id)
            if user.team_id:
                readable |= Q(reader_teams=user.team_id)
            read_ids = (
                frozenset(KnowledgeGroup.objects.filter(readable).values_list("pk", flat=True))
                | edit_ids
            )
        scope = KnowledgeScope(
            can_read=can_read or can_edit,
            read_group_ids=read_ids,
            edit_group_ids=edit_ids,
            can_edit=can_edit,
            region_ids=None if manager else _area_ids(user),
        )
    user._kb_scope = scope
    return scope


def can_read_article(user: Any, article: Any, *, at: Any = None) -> bool:
    scope = knowledge_scope(user)
    if scope.edits_group(article.group_id):
        return True
    if not scope.can_read or article.status != article.Status.PUBLISHED:
        return False
    at = at or timezone.now()
    return (
        article.is_valid_at(at)
        and scope.reads_group(article.group_id)
        and scope.sees_area(article.region_id)
    )


def can_edit_article(user: Any, article: Any) -> bool:
    return knowledge_scope(user).edits_group(article.group_id)


def get_article_for(user: Any, pk: int, *, edit: bool = False) -> Any:
    """The article ``pk`` if ``user`` may read it (or edit it, with ``edit``); 404 otherwise."""
    from hotline.knowledge.models import Article

    article = (
        Article.objects.select_related("directory", "group", "region", "published_by", "area_fault")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404("no such article")
    allowed = can_edit_article(user, article) if edit else can_read_article(user, article)
    if not allowed:
        raise Http404("no such article")
    return article


def readable_articles(user: Any, *, at: Any = None) -> Any:
    """Published articles ``user`` may read now (a queryset)."""
    from hotline.knowledge.models import Article

    scope = knowledge_scope(user)
    if not scope.can_read:
        return Article.objects.none()
    articles = Article.objects.published().valid_at(at or timezone.now())
    if scope.read_group_ids is not None:
        articles = articles.filter(
            Q(group__isnull=True) | Q(group_id__in=sorted(scope.read_group_ids))
        )
    if scope.region_ids is not None:
        articles = articles.filter(
            Q(region__isnull=True) | Q(region_id__in=sorted(scope.region_ids))
        )
    return articles


def editable_articles(user: Any) -> Any:
    from hotline.knowledge.models import Article

    scope = knowledge_scope(user)
    if not scope.can_edit:
        return Article.objects.none()
    if scope.edit_group_ids is None:
        return Article.objects.all()
    return Article.objects.filter(
        Q(group__isnull=True) | Q(group_id__in=sorted(scope.edit_group_ids))
    )
