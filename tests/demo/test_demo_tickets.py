"""The demo's work orders: a history of closed orders and a live board made by the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.demo.builder import demo_build
from hotline.tickets.models import AreaFault, Ticket, TicketHistory, TicketTimer


@pytest.mark.django_db
def test_the_demo_has_a_history_a_live_board_and_an_area_fault(client):
    demo_build(customers=1500, seed=11)
    closed = Ticket.objects.filter(state="closed")
    assert closed.count() > 200
    sample = closed.first()
    assert [h.action for h in sample.history.all()] == [
        "created", "dispatch", "accept", "arrive", "resolve", "verify", "close",
    ]  # fmt: skip
    assert sample.resolution_met is not None and sample.closure_met is not None
    open_orders = Ticket.objects.exclude(state__in=["closed", "cancelled", "resolved"])
    assert open_orders.filter(owner__isnull=False).count() >= 20
    assert TicketTimer.objects.filter(status="pending").exists()
    assert AreaFault.objects.filter(status="open", reports__isnull=False).exists()
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))

    from hotline.accounts.models import User

    client.force_login(User.objects.get(username="technician"))
    mine = client.get(reverse("tickets:my_orders"))
    assert len(mine.context["orders"]) >= 5
    client.force_login(User.objects.get(username="dispatcher"))
    board = client.get(reverse("tickets:board"))
    assert {row.risk for row in board.context["rows"]} >= {"ok", "at_risk", "breached"}

    before = TicketHistory.objects.count()
    demo_build(customers=1500, seed=11, reset=True)
    assert TicketHistory.objects.count() == pytest.approx(before, rel=0.2)
