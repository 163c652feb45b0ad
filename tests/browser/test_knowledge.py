"""An editor publishes an area announcement; agents see it on the pages of that area only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from hotline.accounts.models import Role
from hotline.knowledge.models import Article
from tests import factories
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_announcement_for_a_district_reaches_its_customers_pages_only(
    world, browser, live_server
):
    factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")
    factories.user(Role.AGENT, regions=[world.city], username="agent_city")
    editor = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    editor.set_default_timeout(15_000)
    log_in(editor, "editor")
    editor.click("[data-tile=kbdesk]")
    editor.click("[data-new=announcement]")
    editor.fill("#id_title", "天宁区计划停电公告")
    editor.wait_for_selector(".jodit-wysiwyg")  # the rich-text editor from our static files
    editor.click(".jodit-wysiwyg")
    editor.keyboard.type("今日9时至17时红梅片区停电，有线电视和宽带暂停。")
    editor.select_option("#id_region", str(world.d1.pk))
    until = timezone.localtime(timezone.now() + datetime.timedelta(days=1))
    editor.fill("#id_valid_until", until.strftime("%Y-%m-%dT%H:%M"))
    editor.click("[data-save]")
    editor.wait_for_selector("[data-action=publish]")
    editor.click("[data-action=publish]")
    editor.wait_for_selector("[data-status=published]")
    screenshot_page(editor, "kb-announcement-published")
    article = Article.objects.get(title="天宁区计划停电公告")
    assert article.status == Article.Status.PUBLISHED
    assert "红梅片区停电" in article.body_text
    assert article.region_id == world.d1.pk

    agent = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    agent.set_default_timeout(15_000)
    log_in(agent, "agent_city")
    agent.wait_for_selector(f"[data-announcement='{article.pk}']")  # on the home page too
    agent.goto(f"/customers/{world.c1a.pk}/")  # 张伟, a station of 天宁区
    banner = agent.locator(f"#kb-customer [data-announcement='{article.pk}']")
    assert "天宁区计划停电公告" in banner.inner_text()
    screenshot_page(agent, "kb-customer-in-area")
    agent.goto(f"/customers/{world.c2a.pk}/")  # 王芳, 武进区
    agent.wait_for_selector("h1")
    assert agent.locator(f"[data-announcement='{article.pk}']").count() == 0


def test_an_agent_finds_an_article_by_typing_on_the_customer_page(world, page):
    from hotline.knowledge.services.articles import ArticleData, article_create, article_publish

    editor = factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city])
    article = article_publish(
        article=article_create(
            data=ArticleData(title="数字机顶盒无信号处理", body_html="<p>重启机顶盒。</p>"),
            by=editor,
        ),
        by=editor,
    )
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{world.c1a.pk}/")
    page.click("[data-kb-typing]")
    page.keyboard.type("jdh")
    page.wait_for_selector(f"#kb-customer [data-suggested='{article.pk}']")
    assert "机顶盒" in page.locator(f"[data-suggested='{article.pk}'] mark").first.inner_text()


def test_the_article_editor_loads_nothing_from_outside(world, page, live_server):
    """Jodit fetches its source-view helpers (Ace, js-beautify) from a public CDN unless told
    otherwise; a self-hosted call center must not reach out, nor wait for, another host."""
    factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    log_in(page, "editor")
    page.wait_for_selector("[data-tile]")
    page.goto("/knowledge/new/")
    page.wait_for_selector(".jodit-wysiwyg")
    page.click(".jodit-toolbar-button_source button")  # the HTML source view
    page.wait_for_selector(".jodit-source__mirror")
    page.wait_for_timeout(500)
    assert outside == []


def screenshot_page(page, name: str) -> None:
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
