"""Numbers no form offers (superscript digits, ids past the database's integer, the first and
last days of the calendar) are refused or read as nothing, never a 500."""

from __future__ import annotations

import pytest

from hotline.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def test_bulk_dispatch_ignores_ids_that_cannot_be_orders(desk, client, open_order):
    ticket = open_order()
    client.force_login(desk.dispatcher)

    response = client.post(
        "/orders/board/dispatch/", {"ticket": [HUGE, "²"], "technician": "²"}, follow=True
    )

    assert response.status_code == 200
    assert "请勾选要派的工单。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.technician_id is None


def test_dispatching_from_the_order_page_names_a_technician_that_cannot_be_one(
    desk, client, open_order
):
    ticket = open_order()
    client.force_login(desk.dispatcher)

    for raw in ("²", HUGE):
        response = client.post(f"/orders/{ticket.pk}/action/dispatch/", {"technician": raw})
        assert response.status_code < 500, raw
    ticket.refresh_from_db()
    assert ticket.technician_id is None


def test_an_order_for_a_customer_id_that_cannot_be_one_is_not_found(desk, client):
    client.force_login(desk.agent)
    assert client.get("/orders/new/", {"customer": "²"}).status_code == 404
    assert client.get("/orders/new/", {"customer": HUGE}).status_code == 404


def test_revealing_a_phone_id_that_cannot_be_one_is_not_found(desk, client):
    lead = factories.user(Role.TEAM_LEAD, regions=[desk.world.d1], username="lead_reveal")
    client.force_login(lead)
    customer = desk.world.c1a
    assert client.post(f"/customers/{customer.pk}/reveal/phone-²/").status_code == 404


@pytest.mark.parametrize("month", [f"{HUGE}-1", f"2025-{HUGE}", "2025-13", "x"])
def test_a_settlement_month_that_is_no_month_gives_last_month(desk, client, month):
    client.force_login(desk.city_manager)
    response = client.get("/orders/reports/settlement.xlsx", {"month": month})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/desk/calls/", "/accounts/audit/"])
def test_periods_reaching_the_ends_of_the_calendar_are_read_not_a_crash(desk, client, url):
    admin = factories.user(Role.ADMIN, username="admin_periods", is_superuser=True)
    client.force_login(admin)
    for params in (
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ):
        assert client.get(url, params).status_code == 200, params
