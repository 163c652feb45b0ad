"""A knowledge editor builds a two-step call script in the tree editor and walks it in the
preview, answering as an agent would."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.accounts.models import Role
from hotline.knowledge.models import CallScript
from tests import factories
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _saved(response) -> bool:
    """The answer to a save (its transaction is committed when the answer leaves)."""
    return response.request.method == "POST" and response.status < 400


def test_an_editor_builds_a_script_and_previews_it(world, page, screenshot):
    factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")
    log_in(page, "editor")
    page.wait_for_selector("[data-tile=kbdesk]")
    page.goto("/knowledge/scripts/")
    page.fill("#id_name", "机顶盒无信号")
    page.click("[data-script-new] button[type=submit]")
    page.wait_for_selector("[data-script-tree]")
    script = CallScript.objects.get(name="机顶盒无信号")

    # Step 1: a question (a new one comes with two answers), typed and saved by keyboard.
    add = page.locator("[data-add-step='']")
    add.locator("select[name=type]").select_option("ask")
    add.locator("button[type=submit]").click()
    question = page.locator(".script-node.kind-ask textarea[name=text]")
    question.wait_for()
    # Focus follows the new step (htmx moves it when the swap settles).
    expect(page.locator(".script-node.kind-ask textarea[name=text]").first).to_be_focused()
    question.fill("机顶盒指示灯亮吗？")
    page.keyboard.press("Tab")
    with page.expect_response(_saved):
        page.keyboard.press("Enter")  # "Save step"
    expect(page.locator(".kind-ask textarea").first).to_have_value("机顶盒指示灯亮吗？")
    # Step 2, under the first answer: what to say.
    first_answer = page.locator("[data-answer]").first
    under = first_answer.locator("[data-add-step]")
    under.locator("select[name=type]").select_option("say")
    under.locator("button[type=submit]").click()
    say = page.locator(".script-node.kind-say textarea[name=text]")
    say.wait_for()
    say.fill("请重新插拔信号线。")
    with page.expect_response(_saved):
        page.locator(".script-node.kind-say [data-save-step]").click()
    expect(page.locator(".kind-say textarea").first).to_have_value("请重新插拔信号线。")
    screenshot("call-script-editor")
    script.refresh_from_db()
    assert script.draft["steps"][0]["answers"][0]["steps"][0]["text"] == "请重新插拔信号线。"

    with page.expect_response(_saved):
        page.click("[data-script-save] [data-save]")
    page.wait_for_selector("[data-script-tree]")
    assert script.versions.count() == 1

    page.click("[data-preview]")
    page.wait_for_selector("[data-script-walk]")
    assert "请重新插拔信号线。" not in page.inner_text("[data-preview]")
    page.locator("[data-script-walk] button[data-answer]").first.click()
    page.wait_for_selector("[data-script-end]")
    assert "请重新插拔信号线。" in page.inner_text("[data-preview]")
    screenshot("call-script-preview")
