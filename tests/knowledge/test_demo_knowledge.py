"""After `make run` the knowledge editor and the agents see real content."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hotline.demo.builder import demo_build
from hotline.knowledge.models import Article
from hotline.knowledge.search.engine import article_search
from hotline.knowledge.selectors import announcements_for_user, editor_desk, must_read_pending

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_knowledge_base_for_every_role():
    demo_build(customers=20, seed=3)
    users = get_user_model().objects
    editor, agent = users.get(username="editor"), users.get(username="agent")
    desk = editor_desk(editor)
    assert [a.source_ref for a in desk["in_review"]] == ["ticket:WO-DEMO-0001"]
    assert Article.objects.filter(kind=Article.Kind.CONTACTS, status="published").exists()
    assert [a.title for a in must_read_pending(agent)] == ["座席服务规范（2026 版）"]
    assert [a.title for a in announcements_for_user(agent)] == ["天宁区红梅片区计划停电公告"]
    assert "数字机顶盒无信号处理" in [h.title for h in article_search(user=agent, text="盒子").hits]
    # The team leads' article is not for agents.
    assert not article_search(user=agent, text="排班").hits
    assert article_search(user=users.get(username="teamlead"), text="排班").hits
