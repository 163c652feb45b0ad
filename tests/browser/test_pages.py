"""What a person sees: log in in Chinese, switch to English, use the home page, unmask a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.accounts.models import AuditEntry, Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    """Log in and land on the home page's tiles (``next=/``: without it each role lands on
    its day's work, see tests/demo/test_demo.py)."""
    page.goto("/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit].primary")


def test_login_page_is_chinese_and_switches_to_english(page, screenshot):
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录 Hotline 呼叫中心"
    screenshot("login-zh")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Log in to Hotline"


def test_agent_lands_on_a_home_page_with_only_agent_entries(world, page, screenshot):
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")
    tiles = page.locator("[data-tile]").evaluate_all("els => els.map(e => e.dataset.tile)")
    assert tiles == ["desk", "calls", "customers", "knowledge", "orders", "faults"]
    screenshot("home-agent")
    page.click("[data-tile=customers]")
    page.wait_for_selector("[data-customer]")
    names = page.locator("[data-customer] td:nth-child(2) a").all_inner_texts()
    assert sorted(names) == ["张伟", "李娜"]  # not 王芳, who lives in another district
    screenshot("customers-agent")


def test_team_lead_reveals_a_phone_and_the_read_is_audited(world, page, screenshot):
    factories.user(Role.TEAM_LEAD, regions=[world.d1], username="lead_d1")
    log_in(page, "lead_d1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{world.c1a.pk}/")
    masked = page.locator("#pd-phone").inner_text()
    assert "****" in masked
    page.click("[data-reveal=phone]")
    expect(page.locator("#pd-phone")).to_have_text(world.c1a.phone)
    screenshot("customer-revealed")
    assert AuditEntry.objects.filter(
        action="reveal", model="customers.customer", object_id=str(world.c1a.pk)
    ).exists()


def test_customer_search_filters_as_the_agent_types(world, page):
    factories.user(Role.AGENT, regions=[world.city], username="agent_city")
    log_in(page, "agent_city")
    page.wait_for_selector("[data-tile]")
    page.goto("/customers/")
    page.locator("h1").click()
    page.keyboard.press("/")  # the search box is one key away from anywhere on the page
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("王芳")
    expect(page.locator("[data-customer]")).to_have_count(1)
    assert page.locator("[data-customer] a").inner_text() == "王芳"


def test_home_works_on_a_phone_sized_screen(world, browser, live_server):
    factories.user(Role.TECHNICIAN, regions=[world.s2a], username="tech_s2a")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    log_in(page, "tech_s2a")
    page.wait_for_selector("[data-role=technician]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-technician-phone.png"), full_page=True)
    context.close()
