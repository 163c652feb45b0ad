"""Writing articles: sanitising, versions and restore, review and publication, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from hotline.accounts.models import AuditEntry, Role
from hotline.events import recorded_events
from hotline.knowledge.models import Article, ArticleVersion, KnowledgeGroup
from hotline.knowledge.services.articles import (
    ArticleData,
    article_create,
    article_draft_from_case,
    article_publish,
    article_restore_version,
    article_submit,
    article_update,
)
from tests import factories

pytestmark = pytest.mark.django_db

PASTED = (
    '<h2 onclick="steal()">机顶盒无信号</h2><script>alert(1)</script>'
    '<p style="color:red">先<a href="javascript:alert(1)">检查</a>线缆，'
    '<a href="https://example.com/x">厂家说明</a></p>'
    '<img src="https://tracker.example/p.gif"><img src="data:image/png;base64,AAAA">'
    '<img src="/knowledge/files/7/" alt="接线图"><iframe src="https://x"></iframe>'
    "<table><tr><td>步骤</td><td>说明</td></tr></table><ul><li>重启</li></ul><!-- word -->"
)


def test_pasted_html_is_sanitised_on_the_server(editor):
    article = article_create(data=ArticleData(title="无信号", body_html=PASTED), by=editor)
    html = article.body_html
    for forbidden in (
        "<script",
        "onclick",
        "style=",
        "javascript:",
        "iframe",
        "data:",
        "tracker",
        "<!--",
    ):
        assert forbidden not in html, forbidden
    for kept in ("<h2>机顶盒无信号</h2>", "<table>", "<li>重启</li>", 'src="/knowledge/files/7/"'):
        assert kept in html, kept
    assert 'href="https://example.com/x"' in html and 'rel="noopener noreferrer"' in html
    assert "alert" not in article.body_text and "机顶盒无信号" in article.body_text


@pytest.mark.parametrize(
    "src",
    [
        "/knowledge/files/../../customers/1/",
        "/knowledge/files/7/../../../desk/calls/1/recording.wav",
        "/knowledge/files/%2e%2e/%2e%2e/orders/board/",
        "/knowledge/files/7/?next=/x",
        "/knowledge/files//tracker.example/p.gif",
    ],
)
def test_an_image_is_one_uploaded_file_not_any_address_under_its_prefix(editor, src):
    html = f'<p><img src="{src}" alt="图"><img src="/knowledge/files/12/" alt="好"></p>'
    article = article_create(data=ArticleData(title="图片", body_html=html), by=editor)
    assert 'src="/knowledge/files/12/"' in article.body_html
    assert article.body_html.count("src=") == 1, article.body_html


def test_every_content_change_is_a_version_and_restore_brings_an_old_one_back(editor):
    article = article_create(
        data=ArticleData(title="缴费方式", body_html="<p>营业厅缴费。</p>", tags=["缴费"]),
        by=editor,
    )
    article = article_update(
        article=article,
        data=ArticleData(
            title="缴费方式（新）", body_html="<p>微信缴费。</p>", tags=["缴费", "微信"]
        ),
        by=editor,
        note="加上微信",
    )
    assert article.version == 2
    # Saving the same content again writes no version.
    article = article_update(
        article=article,
        data=ArticleData(
            title="缴费方式（新）", body_html="<p>微信缴费。</p>", tags=["微信", "缴费"]
        ),
        by=editor,
    )
    assert article.version == 2
    first = ArticleVersion.objects.get(article=article, number=1)
    article = article_restore_version(article=article, version=first, by=editor)
    article.refresh_from_db()
    assert article.version == 3
    assert article.title == "缴费方式"
    assert article.body_text == "营业厅缴费。"
    assert sorted(article.tags.values_list("name", flat=True)) == ["缴费"]
    assert list(article.versions.values_list("number", flat=True)) == [3, 2, 1]
    assert AuditEntry.objects.filter(action="restore", object_id=str(article.pk)).exists()


def test_a_draft_goes_through_review_to_publication_with_events(editor):
    article = article_create(data=ArticleData(title="过户办理规定"), by=editor)
    with recorded_events() as events:
        article = article_submit(article=article, by=editor)
        assert article.status == Article.Status.REVIEW
        article = article_publish(article=article, by=editor)
    assert article.status == Article.Status.PUBLISHED and article.published_at
    assert [e.name for e in events] == ["article.submitted", "article.published"]
    assert events[1].data["article"]["id"] == article.pk
    with pytest.raises(ValidationError):
        article_submit(article=article, by=editor)  # a published article is not a draft


def test_an_agent_cannot_write_or_publish(world, agent, editor):
    with pytest.raises(PermissionDenied):
        article_create(data=ArticleData(title="x"), by=agent)
    article = article_create(data=ArticleData(title="x"), by=editor)
    with pytest.raises(PermissionDenied):
        article_publish(article=article, by=agent)


def test_a_group_editor_without_the_manage_right_edits_only_their_groups(world, editor):
    junior = factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city])
    junior.role.permissions.remove(
        *junior.role.permissions.filter(codename="change_knowledgegroup")
    )
    junior = type(junior).objects.get(pk=junior.pk)
    mine = KnowledgeGroup.objects.create(name="维修组")
    mine.editors.add(junior)
    other = KnowledgeGroup.objects.create(name="财务组")
    article_create(data=ArticleData(title="熔纤规范", group=mine), by=junior)
    with pytest.raises(PermissionDenied):
        article_create(data=ArticleData(title="对账规范", group=other), by=junior)


def test_bad_input_names_the_field_and_writes_nothing(editor):
    with pytest.raises(ValidationError) as error:
        article_create(data=ArticleData(title="  "), by=editor)
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        article_create(data=ArticleData(title="停电", kind=Article.Kind.ANNOUNCEMENT), by=editor)
    assert "valid_until" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        article_create(data=ArticleData(title="电话", kind=Article.Kind.CONTACTS), by=editor)
    assert "contacts" in error.value.message_dict
    assert not Article.objects.exists()


def test_a_resolved_order_becomes_one_draft_waiting_for_review(world, agent):
    with recorded_events() as events:
        draft = article_draft_from_case(
            title="红梅新村光节点故障",
            fault="整栋楼无信号，光节点告警。",
            solution="更换光节点电源模块后恢复。",
            source_ref="ticket:WO-2026-0042",
            by=agent,
        )
        again = article_draft_from_case(
            title="红梅新村光节点故障",
            fault="整栋楼无信号。",
            solution="更换电源。",
            source_ref="ticket:WO-2026-0042",
            by=agent,
        )
    assert again.pk == draft.pk
    assert draft.status == Article.Status.REVIEW
    assert "更换光节点电源模块后恢复。" in draft.body_text
    assert draft.source_ref == "ticket:WO-2026-0042"
    assert [e.name for e in events] == ["article.submitted"]


def test_a_draft_from_an_order_reads_in_the_editors_language_without_raw_references(world, agent):
    # The headings were written inside an f-string, which xgettext skips: the Chinese UI
    # showed "Fault" and "Solution"; the first version's note showed "ticket:WO…".
    with translation.override("zh-hans"):
        draft = article_draft_from_case(
            title="丽华新村分配器进水",
            fault="整栋楼无信号。",
            solution="更换分配器。",
            source_ref="ticket:WO-2026-0043",
            by=agent,
        )
    assert "<h2>故障</h2>" in draft.body_html and "<h2>解决方法</h2>" in draft.body_html
    note = ArticleVersion.objects.get(article=draft).note
    assert "ticket:" not in note and "工单 WO-2026-0043" in note


def test_the_audit_log_names_votes_and_receipts_in_words_not_ids(publish, agent):
    # The audit log's type filter listed "vote" untranslated, and its entries read
    # "5 on 13: True" and "5 read 13 v1".
    from hotline.accounts.audit_display import audit_model_label
    from hotline.knowledge.models import ReadReceipt
    from hotline.knowledge.services.reading import article_vote

    article = publish("遥控器失灵的处理办法")
    vote = article_vote(article=article, by=agent, useful=False)
    receipt = ReadReceipt(article=article, user=agent, version=1)
    with translation.override("zh-hans"):
        assert audit_model_label("knowledge.vote") == "有用性评价"
        assert str(vote) == "遥控器失灵的处理办法 · 没用"
        assert str(receipt) == "遥控器失灵的处理办法 · v1"
