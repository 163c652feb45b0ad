"""An agent takes a call from an unknown number: creates the customer, fixes the address
inline with the keyboard, and a manager finds the change in the audit log."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from hotline.accounts.models import Role
from hotline.customers.models import Customer, ServiceAccount
from tests import factories
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_creates_a_customer_for_an_unknown_caller_and_edits_the_address(
    world, page, screenshot
):
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    factories.user(Role.MANAGER, username="manager1")
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")

    # The caller's number finds nobody: the search offers to create the customer.
    page.goto("/customers/")
    page.fill("#q", "139 5555 6666")
    page.wait_for_selector("[data-new-from-search]")
    page.click("[data-new-from-search]")
    page.wait_for_selector("[data-new-customer]")
    assert page.input_value("#id_phones-0-number") == "13955556666"
    page.fill("#id_name", "新来电")
    page.select_option("#id_region", str(world.s1a.pk))
    page.fill("#id_street", "青洋路")
    page.fill("#id_compound", "红梅新村")
    page.fill("#id_building", "40幢")
    page.fill("#id_unit", "3单元")
    page.fill("#id_room", "1203室")
    screenshot("customer-new")
    page.click("[data-create]")
    page.wait_for_selector("#section-address")
    customer = Customer.objects.get(name="新来电")
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert "青洋路" in page.inner_text("[data-field=street]")
    assert customer.phone == "13955556666" and customer.building == "40"

    # Escape leaves the form without saving.
    page.click("[data-edit=address]")
    page.wait_for_selector("#section-address[data-editing]")
    page.fill("#section-address input[name=street]", "不要保存路")
    page.keyboard.press("Escape")
    page.wait_for_selector("#section-address:not([data-editing])")
    assert "不要保存路" not in page.inner_text("#section-address")

    # Enter saves; focus comes back to the section's Edit button.
    page.click("[data-edit=address]")
    page.wait_for_selector("#section-address[data-editing]")
    street = page.locator("#section-address input[name=street]")
    street.fill("延政中路")
    street.press("Enter")
    page.wait_for_selector("#section-address:not([data-editing])")
    assert "延政中路" in page.inner_text("[data-field=street]")
    # htmx moves focus when the swap settles, a moment after the section is in place.
    expect(page.locator("[data-edit=address]")).to_be_focused()
    screenshot("customer-address-edited")
    customer.refresh_from_db()
    assert customer.street == "延政中路"

    # A manager sees the change in the audit log, street before → after.
    page.context.clear_cookies()
    log_in(page, "manager1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/accounts/audit/?object_id={customer.pk}&action=update")
    row = page.locator("tr[data-action=update]").filter(has_text="延政中路").first
    row.wait_for()
    assert "青洋路" in row.inner_text()  # the value before the change
    assert "新来电" in row.inner_text()
    screenshot("audit-address-change")


def test_the_page_says_when_someone_else_changed_the_customer(world, page):
    """hotline.js against a stand-in for /ws/push/: subscribe, then one push from me and
    one from someone else."""
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    topic = f"customer.{world.c1a.pk}"
    received: list[dict] = []
    sockets: list = []

    def push(by: str) -> str:
        data = {"id": world.c1a.pk, "by": by, "changed": ["street"]}
        return json.dumps({"type": "customer.updated", "topic": topic, "data": data})

    def server(ws) -> None:
        sockets.append(ws)

        def on_message(message: str) -> None:
            received.append(json.loads(message))
            if topic in received[-1].get("subscribe", []):
                ws.send(push("agent_d1"))  # my own change: nothing to say

        ws.on_message(on_message)

    page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () =>
            document.body.addEventListener("push:customer-updated", () => {
                const body = document.body;
                body.dataset.pushes = String(Number(body.dataset.pushes || 0) + 1);
            }));"""
    )
    page.route_web_socket("**/ws/push/", server)
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{world.c1a.pk}/")
    expect(page.locator("body")).to_have_attribute("data-pushes", "1")
    # The page's other panels (knowledge announcements) subscribe to their own topics too;
    # the customer's is asked for once.
    asked = [m for m in received if topic in m.get("subscribe", [])]
    assert len(asked) == 1
    banner = page.locator(".push-banner")
    assert banner.is_hidden()

    sockets[0].send(push("lead_d1"))
    banner.wait_for(state="visible")
    assert "lead_d1" in banner.inner_text()
    assert banner.locator("[data-reload]").get_attribute("href") == f"/customers/{world.c1a.pk}/"


def test_customer_page_on_a_phone_keeps_column_labels_and_shows_arrears(
    world, browser, live_server
):
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    ServiceAccount.objects.create(
        customer=world.c1a, number="5190000047", balance=Decimal("-47.21")
    ).payments.create(amount=Decimal("26.00"), paid_at="2026-01-02T10:00:00+08:00")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{world.c1a.pk}/")
    balance = page.locator("[data-field=balance]")
    assert balance.inner_text() == "-¥47.21"
    assert page.locator("[data-field=status] [data-arrears]").is_visible()
    label = page.evaluate(
        """() => getComputedStyle(
            document.querySelector('#billing td[data-label]'), '::before').content"""
    )
    assert label.strip('"') == "缴费时间"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "customer-phone.png"), full_page=True)
    context.close()
