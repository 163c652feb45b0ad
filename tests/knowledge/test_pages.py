"""The knowledge pages over HTTP: who may open what, search as you type, the editor's flow."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import Role, Team
from hotline.knowledge.models import Article, KnowledgeGroup, ReadReceipt
from tests import factories

pytestmark = pytest.mark.django_db
NEW_CLAUSE = "<p>新增条款。</p>"


def test_the_editor_lands_on_the_desk_with_the_days_work(world, client, editor, agent):
    from hotline.knowledge.services.articles import article_draft_from_case

    article_draft_from_case(
        title="分配器进水",
        fault="整栋楼无信号",
        solution="更换分配器",
        source_ref="ticket:1",
        by=agent,
    )
    client.force_login(editor)
    home = client.get(reverse("home")).content.decode()
    tiles = re.findall(r'data-tile="([a-z]+)"', home)
    assert tiles[0] == "kbdesk"
    desk = client.get(reverse("knowledge:desk")).content.decode()
    assert "分配器进水" in desk
    # The source reads as the order it came from, not the internal reference.
    assert "工单 1" in desk and "ticket:1" not in desk
    assert "👍" not in desk  # a header needs words, not an emoji the font may lack


def test_agents_read_and_team_leads_see_receipts_in_their_menus(world, client, agent, team_lead):
    client.force_login(agent)
    tiles = re.findall(r'data-tile="([a-z]+)"', client.get(reverse("home")).content.decode())
    assert "knowledge" in tiles and "kbdesk" not in tiles and "receipts" not in tiles
    assert client.get(reverse("knowledge:desk")).status_code == 403
    assert client.get(reverse("knowledge:new")).status_code == 403
    client.force_login(team_lead)
    tiles = re.findall(r'data-tile="([a-z]+)"', client.get(reverse("home")).content.decode())
    assert "receipts" in tiles
    assert client.get(reverse("knowledge:receipts")).status_code == 200


def test_search_page_marks_the_words_and_answers_htmx_with_the_fragment(
    world, client, agent, publish
):
    publish("数字机顶盒无信号处理", "<p>先检查信号线。</p>")
    client.force_login(agent)
    page = client.get(reverse("knowledge:index"), {"q": "机顶盒"}).content.decode()
    assert "<mark>机顶盒</mark>" in page and "<html" in page
    fragment = client.get(
        reverse("knowledge:index"),
        {"q": "jdh"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="kb-results",
    ).content.decode()
    assert "<html" not in fragment and "数字<mark>机顶盒</mark>无信号处理" in fragment


def test_an_article_outside_the_readers_scope_is_404(world, client, agent, agent_d2, publish):
    restricted = KnowledgeGroup.objects.create(name="班组长")
    secret = publish("考核细则", group=restricted)
    local = publish("红梅站交接班说明", region=world.s1a)
    expired = publish("旧通知", valid_until=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(agent)
    assert client.get(reverse("knowledge:article", args=[secret.pk])).status_code == 404
    assert client.get(reverse("knowledge:article", args=[local.pk])).status_code == 200
    assert client.get(reverse("knowledge:article", args=[expired.pk])).status_code == 404
    client.force_login(agent_d2)
    assert client.get(reverse("knowledge:article", args=[local.pk])).status_code == 404
    restricted.reader_roles.add(Role.objects.get(code=Role.AGENT))
    client.force_login(agent_d2)
    assert client.get(reverse("knowledge:article", args=[secret.pk])).status_code == 200


def test_the_browse_list_costs_the_same_queries_for_few_or_many_articles(
    world, client, agent, publish
):
    publish("文章一")
    client.force_login(agent)
    client.get(reverse("knowledge:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("knowledge:index"))
    for number in range(15):
        publish(f"文章{number}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("knowledge:index"))
    assert len(many) == len(few)


def test_search_costs_the_same_queries_for_few_or_many_hits(world, client, agent, publish):
    publish("机顶盒一")
    client.force_login(agent)
    client.get(reverse("knowledge:index"), {"q": "机顶盒"})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("knowledge:index"), {"q": "机顶盒"})
    for number in range(15):
        publish(f"机顶盒故障{number}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("knowledge:index"), {"q": "机顶盒"})
    assert len(many) == len(few)


def test_an_editor_writes_submits_and_publishes_through_the_pages(world, client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("knowledge:new"),
        {
            "kind": "article",
            "title": "智能卡授权失败处理",
            "body_html": "<p onclick='x()'>重新发送授权指令。</p><script>alert(1)</script>",
            "tags": "智能卡, 授权",
        },
    )
    article = Article.objects.get(title="智能卡授权失败处理")
    assert response.status_code == 302
    assert article.body_html == "<p>重新发送授权指令。</p>"
    client.post(reverse("knowledge:action", args=[article.pk, "submit"]))
    client.post(reverse("knowledge:action", args=[article.pk, "publish"]))
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    page = client.get(reverse("knowledge:versions", args=[article.pk])).content.decode()
    assert 'data-version="1"' in page


def test_an_empty_title_is_refused_with_the_field_named(world, client, editor):
    client.force_login(editor)
    response = client.post(reverse("knowledge:new"), {"kind": "announcement", "title": "停电"})
    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not Article.objects.exists()


def test_an_agent_confirms_a_must_read_and_the_team_lead_sees_who_has_not(
    world, client, agent, team_lead, publish
):
    colleague = factories.user(Role.AGENT, regions=[world.d1], username="agent_b")
    policy = publish("座席服务规范", "<p>三声内接听。</p>", kind="policy", must_read=True)
    client.force_login(agent)
    assert f'data-must-read="{policy.pk}"' in client.get(reverse("home")).content.decode()
    client.post(reverse("knowledge:confirm", args=[policy.pk]))
    assert ReadReceipt.objects.filter(article=policy, user=agent).exists()
    assert f'data-must-read="{policy.pk}"' not in client.get(reverse("home")).content.decode()
    client.force_login(team_lead)
    page = client.get(reverse("knowledge:receipt_detail", args=[policy.pk])).content.decode()
    assert f'data-pending-user="{colleague.username}"' in page
    assert f'data-confirmed-user="{agent.username}"' in page


def test_a_team_leads_read_receipts_count_the_agents_of_their_teams_not_their_regions(
    world, client, agent, team_lead, manager, publish
):
    mine = Team.objects.create(name="一班", lead=team_lead)
    other = Team.objects.create(name="二班")
    agent.team = mine
    agent.save(update_fields=["team"])
    teammate = factories.user(Role.AGENT, regions=[world.d2], username="agent_team_d2")
    teammate.team = mine
    teammate.save(update_fields=["team"])
    neighbour = factories.user(Role.AGENT, regions=[world.d1], username="agent_other_team")
    neighbour.team = other
    neighbour.save(update_fields=["team"])
    policy = publish("座席服务规范", kind="policy", must_read=True)
    client.force_login(agent)
    client.post(reverse("knowledge:confirm", args=[policy.pk]))

    client.force_login(team_lead)
    client.cookies["django_language"] = "en"
    overview = client.get(reverse("knowledge:receipts"))
    (row,) = overview.context["rows"]
    assert (row.confirmed, row.audience, row.pending) == (1, 2, 1)
    assert "agents of the teams you lead" in overview.content.decode()
    page = client.get(reverse("knowledge:receipt_detail", args=[policy.pk])).content.decode()
    assert 'data-basis="team"' in page
    assert 'data-pending-user="agent_team_d2"' in page  # in the team, whatever their region
    assert 'data-confirmed-user="agent_d1"' in page
    assert "agent_other_team" not in page and 'data-pending-user="lead_d1"' not in page

    client.force_login(manager)  # a whole-site role: everyone who must read it
    (row,) = client.get(reverse("knowledge:receipts")).context["rows"]
    assert row.confirmed == 1 and row.audience > 2


def test_a_changed_policy_asks_everyone_again(world, agent, editor, publish):
    from hotline.knowledge.selectors import must_read_pending
    from hotline.knowledge.services.articles import ArticleData, article_update
    from hotline.knowledge.services.reading import article_confirm_read

    policy = publish("服务规范", kind="policy", must_read=True)
    article_confirm_read(article=policy, by=agent)
    assert must_read_pending(agent) == []
    policy = article_update(
        article=policy,
        data=ArticleData(title="服务规范", body_html=NEW_CLAUSE, kind="policy", must_read=False),
        by=editor,
    )
    policy = article_update(
        article=policy,
        data=ArticleData(title="服务规范", body_html=NEW_CLAUSE, kind="policy", must_read=True),
        by=editor,
    )
    assert must_read_pending(agent) == [policy]


def test_useful_votes_count_once_per_person(world, client, agent, publish):
    article = publish("缴费方式")
    client.force_login(agent)
    for _ in range(2):
        client.post(reverse("knowledge:vote", args=[article.pk]), {"useful": "1"})
    client.post(reverse("knowledge:vote", args=[article.pk]), {"useful": "0"})
    article.refresh_from_db()
    assert (article.useful_count, article.not_useful_count) == (0, 1)
    assert (
        client.post(reverse("knowledge:vote", args=[article.pk]), {"useful": "x"}).status_code
        == 400
    )


def test_suggestions_come_from_the_context_the_area_and_the_typed_text(
    world, client, agent, publish
):
    from hotline.knowledge.models import ArticleContext

    now = timezone.now()
    linked = publish(
        "无信号处理", contexts=[(ArticleContext.Kind.STATISTIC_ITEM, "fault-no-signal")]
    )
    typed = publish("智能卡授权失败", "<p>重新授权。</p>")
    outage = publish(
        "天宁区停电",
        kind="announcement",
        region=world.d1,
        valid_until=now + datetime.timedelta(hours=3),
    )
    client.force_login(agent)
    html = client.get(
        reverse("knowledge:suggest"),
        {"item": "fault-no-signal", "region": world.s1a.pk, "q": "智能卡"},
    ).content.decode()
    for article in (linked, typed, outage):
        assert (
            f'data-suggested="{article.pk}"' in html or f'data-announcement="{article.pk}"' in html
        )
    elsewhere = client.get(reverse("knowledge:suggest"), {"region": world.s2a.pk}).content.decode()
    assert f'data-announcement="{outage.pk}"' not in elsewhere


def test_an_uploaded_image_is_served_only_to_readers(
    world, client, editor, agent, agent_d2, publish
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(editor)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    answer = client.post(
        reverse("knowledge:upload"),
        {"files[]": SimpleUploadedFile("接线图.png", png, content_type="image/png")},
    ).json()
    url = answer["data"]["files"][0]
    article = publish("接线说明", f'<p><img src="{url}" alt="接线图"></p>', region=world.d1)
    from hotline.knowledge.models import Attachment

    Attachment.objects.update(article=article)
    client.force_login(agent)
    assert client.get(url).status_code == 200
    client.force_login(agent_d2)
    assert client.get(url).status_code == 404
    refused = client.post(
        reverse("knowledge:upload"),
        {"files[]": SimpleUploadedFile("x.html", b"<script>", content_type="text/html")},
    )
    assert refused.status_code in (400, 403)
