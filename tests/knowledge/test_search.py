"""Chinese full-text search: segmentation, synonyms, pinyin, ranking, scope, filters.

Runs unchanged on SQLite (FTS5) and PostgreSQL (tsvector + GIN): the expectations are the
same lists, which is what "the same results on both databases" means here.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from hotline.knowledge.models import SearchDocument
from hotline.knowledge.search.engine import article_search
from hotline.knowledge.search.index import reindex_all
from hotline.knowledge.services.articles import article_archive
from hotline.knowledge.services.organisation import synonym_group_save
from tests.knowledge.conftest import titles

pytestmark = pytest.mark.django_db

STB = "数字机顶盒无信号处理"


def test_a_word_is_found_inside_a_longer_compound(publish, agent):
    publish(STB, "<p>先检查信号线是否松动，再重启。</p>")
    publish("宽带缴费指南", "<p>营业厅、微信、支付宝均可缴费。</p>")
    assert titles(article_search(user=agent, text="机顶盒")) == [STB]
    assert titles(article_search(user=agent, text="信号")) == [STB]
    assert titles(article_search(user=agent, text="缴费")) == ["宽带缴费指南"]


def test_every_word_of_the_query_must_match(publish, agent):
    publish(STB, "<p>重启机顶盒。</p>")
    publish("机顶盒遥控器失灵", "<p>更换电池。</p>")
    assert titles(article_search(user=agent, text="机顶盒 遥控器")) == ["机顶盒遥控器失灵"]
    assert titles(article_search(user=agent, text="机顶盒 宽带")) == []


def test_synonyms_added_by_an_editor_take_effect_on_the_next_search(publish, agent, editor):
    publish(STB)
    assert titles(article_search(user=agent, text="盒子")) == []
    assert titles(article_search(user=agent, text="STB")) == []
    synonym_group_save(by=editor, terms="机顶盒 / 盒子 / STB")
    assert titles(article_search(user=agent, text="盒子")) == [STB]
    assert titles(article_search(user=agent, text="stb")) == [STB]


def test_pinyin_initials_find_title_words(publish, agent):
    publish(STB, "<p>处理办法。</p>")
    result = article_search(user=agent, text="jdh")
    assert titles(result) == [STB]
    assert "<mark>机顶盒</mark>" in result.hits[0].title_html


def test_snippets_mark_the_words_and_escape_the_text(publish, agent):
    publish("故障处理", "<p>前文很长。" + "说明" * 80 + "机顶盒&lt;b&gt;灯不亮时请检查电源。</p>")
    hit = article_search(user=agent, text="机顶盒").hits[0]
    assert "<mark>机顶盒</mark>" in hit.snippet_html
    assert "&lt;b&gt;" in hit.snippet_html and "<b>" not in hit.snippet_html
    assert hit.snippet_html.startswith("…")


def test_a_title_match_ranks_above_a_body_match(publish, agent):
    now = timezone.now()
    publish("用户来电咨询", "<p>机顶盒重启的步骤。</p>", at=now)
    publish("机顶盒重启步骤", "<p>按住电源键。</p>", at=now - datetime.timedelta(days=200))
    assert titles(article_search(user=agent, text="机顶盒")) == ["机顶盒重启步骤", "用户来电咨询"]


def test_the_newer_of_two_equal_matches_ranks_first(publish, agent):
    now = timezone.now()
    publish("机顶盒升级说明（旧）", "<p>升级。</p>", at=now - datetime.timedelta(days=400))
    publish("机顶盒升级说明（新）", "<p>升级。</p>", at=now)
    assert titles(article_search(user=agent, text="机顶盒 升级")) == [
        "机顶盒升级说明（新）",
        "机顶盒升级说明（旧）",
    ]


def test_more_occurrences_in_the_title_rank_higher_than_in_tags(publish, agent):
    now = timezone.now()
    publish("智能卡过期", "<p>续费。</p>", tags=["机顶盒"], at=now)
    publish("机顶盒智能卡过期", "<p>续费。</p>", at=now)
    assert titles(article_search(user=agent, text="机顶盒")) == ["机顶盒智能卡过期", "智能卡过期"]


def test_archived_articles_leave_the_index(publish, agent, editor):
    article = publish(STB)
    article_archive(article=article, by=editor)
    assert titles(article_search(user=agent, text="机顶盒")) == []
    assert not SearchDocument.objects.filter(article=article).exists()


def test_reindex_rebuilds_the_same_answers_in_batches(publish, agent):
    for number in range(7):
        publish(f"机顶盒故障{number}号", "<p>处理办法。</p>")
    before = titles(article_search(user=agent, text="机顶盒"))
    SearchDocument.objects.all().delete()
    assert titles(article_search(user=agent, text="机顶盒")) == []
    result = reindex_all(batch=3)
    assert result.documents == 7
    assert titles(article_search(user=agent, text="机顶盒")) == before


def test_a_query_with_no_searchable_word_finds_nothing(publish, agent):
    publish(STB)
    assert article_search(user=agent, text="，。！").hits == []
    assert article_search(user=agent, text="").hits == []


def test_fts_syntax_in_the_query_is_only_text(publish, agent):
    publish(STB)
    for text in [
        '"机顶盒',
        "机顶盒 OR",
        "NEAR(机顶盒)",
        "title:机顶盒",
        "'; DROP TABLE x; --",
        "a & b | !c",
    ]:
        article_search(user=agent, text=text)  # never a syntax error


def test_the_reindex_command_rebuilds_the_index(publish, agent):
    from django.core.management import call_command

    publish(STB)
    SearchDocument.objects.all().delete()
    call_command("kb_reindex", "--quiet")
    assert titles(article_search(user=agent, text="机顶盒")) == [STB]


def test_filters_by_directory_tag_kind_area_and_date(world, publish, agent, editor):
    from hotline.knowledge.models import Tag
    from hotline.knowledge.services.organisation import directory_save

    faults = directory_save(by=editor, name="故障处理")
    stb = directory_save(by=editor, name="机顶盒", parent=faults)
    now = timezone.now()
    a = publish("机顶盒重启", directory=stb, tags=["重启"], at=now - datetime.timedelta(days=40))
    b = publish("机顶盒升级", region=world.d1, at=now)
    c = publish(
        "机顶盒停电公告",
        kind="announcement",
        region=world.s1a,
        valid_until=now + datetime.timedelta(hours=2),
    )

    def found(**filters):
        return titles(article_search(user=agent, text="机顶盒", **filters))

    assert found(directory=faults) == [a.title]  # the subtree
    assert found(tag=Tag.objects.get(name="重启")) == [a.title]
    assert found(kinds=["announcement"]) == [c.title]
    assert sorted(found(area=world.d1)) == sorted([b.title, c.title])  # d1 and its stations
    assert found(area=world.d2) == []
    today = timezone.localdate()
    assert sorted(found(date_from=today)) == sorted([b.title, c.title])
    assert found(date_to=today - datetime.timedelta(days=30)) == [a.title]


def test_group_and_area_scope_limit_what_each_agent_finds(world, publish, agent, agent_d2):
    from hotline.knowledge.models import KnowledgeGroup

    leads = KnowledgeGroup.objects.create(name="班组长")
    publish("机顶盒考核细则", group=leads)
    publish("红梅站机顶盒更换", region=world.s1a)
    publish("机顶盒通用说明")
    assert sorted(titles(article_search(user=agent, text="机顶盒"))) == sorted(
        ["红梅站机顶盒更换", "机顶盒通用说明"]
    )
    assert titles(article_search(user=agent_d2, text="机顶盒")) == ["机顶盒通用说明"]


def test_expired_and_not_yet_valid_articles_are_not_found(publish, agent):
    now = timezone.now()
    publish("机顶盒旧规定", valid_until=now - datetime.timedelta(minutes=1))
    publish("机顶盒新规定", valid_from=now + datetime.timedelta(days=1))
    publish("机顶盒现行规定")
    assert titles(article_search(user=agent, text="机顶盒")) == ["机顶盒现行规定"]
    later = now + datetime.timedelta(days=2)
    assert sorted(titles(article_search(user=agent, text="机顶盒", at=later))) == sorted(
        ["机顶盒新规定", "机顶盒现行规定"]
    )


def test_a_long_result_list_pages_without_repeats(publish, agent):
    for number in range(25):
        publish(f"机顶盒故障{number:02d}")
    first = article_search(user=agent, text="机顶盒", per_page=10)
    second = article_search(user=agent, text="机顶盒", per_page=10, page=2)
    third = article_search(user=agent, text="机顶盒", per_page=10, page=3)
    assert first.has_next and second.has_next and not third.has_next
    seen = titles(first) + titles(second) + titles(third)
    assert len(seen) == len(set(seen)) == 25
