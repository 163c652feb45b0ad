"""Live updates: every order event reaches the boards of its region and above, its own page
and the people concerned, after commit; who may listen is checked like the pages."""

from __future__ import annotations

import pytest

from hotline.push.send import recorded_pushes
from hotline.push.topics import topic_allowed
from hotline.tickets.services.dispatching import ticket_dispatch
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_dispatch_is_pushed_to_the_boards_and_the_technician(
    desk, open_order, django_capture_on_commit_callbacks
):
    ticket = open_order()
    with recorded_pushes() as pushes, django_capture_on_commit_callbacks(execute=True):
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    groups = {p.group for p in pushes if p.event == "ticket.dispatched"}
    # Announced on its own region's topic; boards listen to every region of their scope.
    assert groups == {"ticketboard.s1a", "ticketboard.all", f"user.{desk.tech_a.user_id}"}
    payload = next(p.data for p in pushes if p.group == "ticketboard.s1a")
    assert payload == {
        "id": ticket.pk,
        "number": ticket.number,
        "state": "dispatched",
        "by": desk.dispatcher.username,
    }


def test_nothing_is_pushed_for_a_change_that_rolled_back(desk, open_order):
    ticket = open_order()
    with recorded_pushes() as pushes:
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    assert pushes == []  # the test's transaction never commits


def test_a_district_board_listens_to_the_district_and_its_stations(desk, client):
    from django.urls import reverse

    client.force_login(desk.lead)  # bound to district d1
    html = client.get(reverse("tickets:board")).content.decode()
    for code in ("d1", "s1a", "s1b"):
        assert f"ticketboard.{code}" in html
    assert "ticketboard.s2a" not in html and "ticketboard.all" not in html


def test_who_may_listen_to_which_board(desk, open_order):
    ticket = open_order()
    stranger = factories.user("dispatcher", regions=[desk.world.s2a])
    assert topic_allowed(desk.dispatcher, "ticketboard.s1a")
    assert not topic_allowed(desk.dispatcher, "ticketboard.d1")  # above their station
    assert not topic_allowed(desk.dispatcher, "ticketboard.all")
    assert topic_allowed(desk.city_manager, "ticketboard.all")
    assert not topic_allowed(stranger, "ticketboard.s1a")
    assert topic_allowed(desk.agent, f"ticket.{ticket.pk}")
    assert not topic_allowed(stranger, f"ticket.{ticket.pk}")
    editor = factories.user("knowledge_editor", regions=[desk.world.d1])
    assert not topic_allowed(editor, f"ticket.{ticket.pk}")
