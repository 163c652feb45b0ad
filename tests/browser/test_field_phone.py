"""The technician's pages on a 390 px phone: styled, one column, nothing wider than the
screen, every button a thumb's size (at least 44 px high)."""

from __future__ import annotations

import pytest

from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.opening import ticket_open
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import log_in
from tests.tickets.conftest import make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
SMALL_TARGETS = """() => [...document.querySelectorAll('button, a.order, a.btn, summary')]
  .filter(e => e.offsetParent !== null)
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate(SMALL_TARGETS) == []


def test_the_technicians_pages_fit_a_390px_phone(world, browser, live_server):
    desk = make_desk(world)
    ticket = ticket_open(
        by=desk.agent,
        order_type=desk.fault,
        customer=world.c1a,
        form={"symptom": "无信号", "device": str(desk.box.pk)},
        description="客厅电视无信号，机顶盒指示灯红色。客户下午三点后在家，请提前电话联系。",
    )
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": 844},
        is_mobile=True,
        locale="zh-CN",
    )
    mobile = context.new_page()
    mobile.set_default_timeout(10_000)
    log_in(mobile, desk.tech_a.user.username)
    mobile.goto("/orders/my/")
    mobile.wait_for_selector(f"a[data-ticket='{ticket.pk}']")
    # The stylesheet is applied: the bar is the desk's navy, the order a card.
    assert (
        mobile.evaluate("getComputedStyle(document.querySelector('.fbar')).backgroundColor")
        == "rgb(19, 41, 75)"
    )
    _fits(mobile)
    mobile.screenshot(path=str(ARTIFACTS / "field-my-orders-390.png"), full_page=True)

    mobile.click(f"a[data-ticket='{ticket.pk}']")
    mobile.wait_for_selector("[data-action=accept]")
    _fits(mobile)
    mobile.click("[data-action=accept]")
    mobile.wait_for_selector("[data-state=accepted]")
    mobile.click("[data-action=arrive]")
    mobile.wait_for_selector("[data-state=on_site]")
    _fits(mobile)
    # The resolve form's fields span the screen (minus the margins) and stay inside it.
    width = mobile.evaluate("document.querySelector('#id_note').getBoundingClientRect().width")
    assert WIDTH - 40 <= width <= WIDTH
    mobile.screenshot(path=str(ARTIFACTS / "field-order-390.png"), full_page=True)
    context.close()
