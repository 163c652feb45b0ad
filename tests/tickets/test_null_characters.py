"""A NUL character anywhere a page takes text is refused by name, never a 500 on PostgreSQL
(which refuses NUL in text) and never stored on SQLite."""

from __future__ import annotations

import pytest

from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_note_holding_a_nul_is_refused_naming_the_field_and_nothing_is_written(
    desk, open_order, client
):
    ticket = open_order()
    before = ticket.history.count()
    client.force_login(desk.agent)

    page = client.post(f"/orders/{ticket.pk}/note/", {"note": "无信号\x00"})

    assert page.status_code == 400
    assert page["X-Hotline-Error"] == "null_character"
    assert "“note”" in page.content.decode()
    assert ticket.history.count() == before


def test_an_htmx_form_gets_the_refusal_as_a_fragment_for_its_error_area(desk, open_order, client):
    ticket = open_order()
    client.force_login(desk.agent)

    fragment = client.post(f"/orders/{ticket.pk}/note/", {"note": "a\x00b"}, HTTP_HX_REQUEST="true")

    assert fragment.status_code == 400
    assert fragment["X-Hotline-Error"] == "null_character"
    assert fragment.content.decode().startswith('<p class="error"')


def test_a_forged_form_holding_a_nul_is_still_refused_as_forged(desk, open_order):
    from django.test import Client

    ticket = open_order()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.agent)

    assert browser.post(f"/orders/{ticket.pk}/note/", {"note": "\x00"}).status_code == 403


def test_an_address_holding_a_nul_names_nothing(desk, client):
    client.force_login(desk.agent)

    assert client.get("/desk/calls/by-id/%00/").status_code == 404
    assert client.post("/desk/wrap-up/%00/", {"note": "x"}).status_code == 404


def test_searching_orders_for_a_nul_finds_nothing_instead_of_failing(desk, open_order, client):
    ticket = open_order()
    client.force_login(desk.agent)

    found = client.get("/orders/", {"q": ticket.number[:4] + "\x00"})
    assert found.status_code == 200
    assert ticket.number in found.content.decode()
    assert Ticket.objects.count() == 1
