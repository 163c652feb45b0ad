"""An admin edits an IVR flow in the browser: htmx node edits, validation, preview."""

from __future__ import annotations

import pytest

from hotline.accounts.models import Role
from hotline.routing.models import IvrFlow
from tests import factories
from tests.browser.test_pages import log_in
from tests.routing.harness import configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_choice_sees_the_problem_fixes_it_and_previews(page, screenshot):
    configure(agents=0)
    flow = IvrFlow.objects.get(code="main")
    factories.user(Role.ADMIN, username="boss", is_superuser=True)
    log_in(page, "boss")
    page.wait_for_selector("[data-tile=ivr]")
    page.click("[data-tile=ivr]")
    page.click(f"a[href='/desk/ivr/{flow.pk}/']")
    root = page.locator("#ivr-node-root > form")
    root.locator("select[name=slot]").select_option("3")
    root.locator("select[name=kind]").select_option("play")
    root.locator("button[value=add]").click()
    page.wait_for_selector("#ivr-node-3")
    page.click("#ivr-validate button")
    page.wait_for_selector("#ivr-problems [data-code=dead_end]")
    screenshot("ivr-editor-problem")
    node = page.locator("#ivr-node-3 > form")
    node.locator("textarea[name=message]").fill("再见")
    node.locator("select[name=type]").select_option("hangup")
    node.locator("button[value=save]").click()
    page.wait_for_selector("#ivr-node-3[data-kind=hangup]")
    page.click("#ivr-validate button")
    page.wait_for_selector("#ivr-problems .ok")
    page.fill("input[name=keys]", "3")
    page.click("#ivr-preview-card button[type=submit]")
    page.wait_for_selector("#ivr-preview li[data-kind=hangup]")
    assert "再见" in page.locator("#ivr-preview").inner_text()
    screenshot("ivr-editor-preview")
    flow.refresh_from_db()
    assert flow.draft["options"]["3"]["type"] == "hangup"


def test_the_editor_fits_a_phone(browser, live_server):
    from hotline.routing.demo import DEMO_FLOW

    # The demo's flow: hours, a menu, nested choices, long prompts and long "move to" paths.
    configure(agents=0, flow=DEMO_FLOW)
    flow = IvrFlow.objects.get(code="main")
    factories.user(Role.ADMIN, username="boss", is_superuser=True)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone = context.new_page()
    log_in(phone, "boss")
    phone.wait_for_selector("[data-tile=ivr]")
    phone.goto(f"/desk/ivr/{flow.pk}/")
    phone.wait_for_selector("#ivr-node-root")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
