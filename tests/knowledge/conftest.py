"""Personas and helpers for the knowledge base tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.knowledge.models import Article
from hotline.knowledge.services.articles import ArticleData, article_create, article_publish
from tests import factories


@pytest.fixture
def editor(world) -> User:
    return factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")


@pytest.fixture
def agent_d2(world) -> User:
    return factories.user(Role.AGENT, regions=[world.d2], username="agent_d2")


@pytest.fixture
def publish(editor) -> Callable[..., Article]:
    """Create and publish an article as the editor; ``published_at`` may be set."""

    def _publish(
        title: str,
        body: str = "",
        *,
        at: datetime.datetime | None = None,
        **fields,
    ) -> Article:
        data = ArticleData(title=title, body_html=body, **fields)
        article = article_create(data=data, by=editor)
        return article_publish(article=article, by=editor, at=at or timezone.now())

    return _publish


def titles(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.title for hit in result.hits]
