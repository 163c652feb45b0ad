"""A work order end to end in a real browser: an agent opens it from the customer page, a
dispatcher dispatches it on the board, the technician accepts and resolves it on a phone,
and the customer page shows its history."""

from __future__ import annotations

import pytest

from hotline.tickets.models import Ticket
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import log_in
from tests.tickets.conftest import make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_order_from_the_customer_page_to_the_technicians_phone_and_back(
    world, browser, live_server
):
    desk = make_desk(world)
    customer = world.c1a
    ARTIFACTS.mkdir(exist_ok=True)

    # 1. The agent opens an order from the customer page.
    agent = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = agent.new_page()
    page.set_default_timeout(10_000)
    log_in(page, desk.agent.username)
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{customer.pk}/")
    page.click("[data-open-order]")  # the panel is loaded by htmx
    page.select_option("#id_type", "fault-repair")
    page.wait_for_selector("select[name=f_symptom]")  # the type's form, swapped in by htmx
    page.select_option("select[name=f_symptom]", "无信号")
    page.select_option("select[name=f_device]", str(desk.box.pk))
    page.fill("#id_description", "客厅电视无信号，机顶盒指示灯红色")
    page.click("[data-submit=open]")
    page.wait_for_selector("[data-state=new]")
    ticket = Ticket.objects.get(customer=customer)
    assert ticket.number in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "order-opened.png"), full_page=True)

    # 2. The dispatcher dispatches it on the board.
    dispatch = browser.new_context(base_url=live_server.url, locale="zh-CN")
    board = dispatch.new_page()
    board.set_default_timeout(10_000)
    log_in(board, desk.dispatcher.username)
    board.click("[data-tile=dispatch]")
    row = board.locator(f"tr[data-ticket='{ticket.pk}']")
    row.locator("input[name=ticket]").check()
    board.select_option("select[name=technician]", str(desk.tech_a.pk))
    board.click("[data-bulk-dispatch]")
    board.wait_for_selector(".messages li.success")
    assert ticket.number in board.locator(".messages").inner_text()
    board.screenshot(path=str(ARTIFACTS / "order-board.png"), full_page=True)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.technician) == ("dispatched", desk.tech_a)

    # 3. The technician accepts and resolves it on a phone.
    phone = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="zh-CN",
    )
    mobile = phone.new_page()
    mobile.set_default_timeout(10_000)
    log_in(mobile, desk.tech_a.user.username)
    mobile.click("[data-tile=myorders]")
    mobile.click(f"a[data-ticket='{ticket.pk}']")
    mobile.click("[data-action=accept]")
    mobile.wait_for_selector("[data-state=accepted]")
    mobile.click("[data-action=arrive]")
    mobile.wait_for_selector("[data-state=on_site]")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    mobile.fill("#id_note", "更换机顶盒电源适配器")
    mobile.fill("#id_parts_used", "电源适配器 1 个")
    mobile.fill("#id_confirmation_code", ticket.confirmation_code)
    mobile.screenshot(path=str(ARTIFACTS / "order-phone.png"), full_page=True)
    mobile.click("[data-action=resolve]")
    mobile.wait_for_selector(".msgs li.success")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.callback_state == "pending"

    # 4. The customer page shows the order and its history.
    page.goto(f"/customers/{customer.pk}/")
    page.wait_for_selector(f"#orders-panel li[data-ticket='{ticket.pk}']")
    assert "已处理" in page.locator(f"#orders-panel li[data-ticket='{ticket.pk}']").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert f"工单 {ticket.number} 故障维修 已处理" in timeline
    page.click(f"#orders-panel a:has-text('{ticket.number}')")
    history = page.locator("ol.history li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert history == ["created", "owner_assigned", "dispatch", "accept", "arrive", "resolve"]
    page.screenshot(path=str(ARTIFACTS / "order-history.png"), full_page=True)
    for context in (agent, dispatch, phone):
        context.close()
