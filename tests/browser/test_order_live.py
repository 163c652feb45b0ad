"""The order page refreshes its order part when a push for the order arrives (live.js against
a stand-in for /ws/push/), but never while the user is typing in it."""

from __future__ import annotations

import json

import pytest

from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.opening import ticket_open
from tests.browser.test_pages import log_in
from tests.tickets.conftest import make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_order_page_follows_its_order_live(world, page, screenshot):
    desk = make_desk(world)
    ticket = ticket_open(
        by=desk.agent, order_type=desk.fault, customer=world.c1a, form={"symptom": "无信号"}
    )
    topic = f"ticket.{ticket.pk}"
    subscribed: list[list[str]] = []
    sockets: list = []

    def server(ws) -> None:
        sockets.append(ws)

        def on_message(message: str) -> None:
            asked = json.loads(message).get("subscribe", [])
            subscribed.append(asked)
            ws.send(json.dumps({"type": "subscribed", "topics": asked}))

        ws.on_message(on_message)

    def push(event: str) -> None:
        data = {"id": ticket.pk, "number": ticket.number, "state": "x", "by": "disp_s1a"}
        sockets[0].send(json.dumps({"type": event, "topic": topic, "data": data}))

    page.route_web_socket("**/ws/push/", server)
    log_in(page, desk.agent.username)
    page.wait_for_selector("[data-tile]")
    page.goto(f"/orders/{ticket.pk}/")
    page.wait_for_selector("#ticket-live[data-live=on]", state="attached")
    assert [topic] in subscribed
    assert page.locator("#ticket-body [data-state]").get_attribute("data-state") == "new"

    # Someone dispatches the order elsewhere; its push arrives: the page shows it, no reload.
    page.evaluate("window.notReloaded = true")
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    push("ticket.dispatched")
    page.wait_for_selector("#ticket-body [data-state=dispatched]")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("ol.history li[data-action=dispatch]").count() == 1

    # While the agent is typing a note the part is not swapped; it is once they leave it.
    page.fill("[data-form=note] textarea", "客户改约明天上午")
    page.focus("[data-form=note] textarea")
    from hotline.tickets.services.notes import ticket_note_add

    ticket_note_add(ticket=ticket, by=desk.dispatcher, text="备件已申领")
    push("ticket.noted")
    page.wait_for_selector("#ticket-live[data-live-held=on]", state="attached")
    assert page.locator("ol.history li[data-action=note]").count() == 0
    assert page.input_value("[data-form=note] textarea") == "客户改约明天上午"
    page.locator("h1").click()  # focus leaves the field
    page.wait_for_selector("ol.history li[data-action=note]")
    assert page.locator("#ticket-live[data-live-held]").count() == 0
    # The note the agent had not sent yet is still there after the swap.
    assert page.input_value("[data-form=note] textarea") == "客户改约明天上午"
    screenshot("order-live")
