"""Live updates: every order event reaches the boards of its region and above, its own page
and the people concerned, after commit; who may listen is checked like the pages."""

from __future__ import annotations

import datetime

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
    assert groups == {
        "ticketboard.s1a",
        "ticketboard.all",
        f"ticket.{ticket.pk}",
        f"user.{desk.tech_a.user_id}",
    }
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


def _order_page_pushes(pushes, ticket) -> list[str]:
    return [p.event for p in pushes if p.group == f"ticket.{ticket.pk}"]


def test_every_change_reaches_the_orders_own_page_after_commit(
    desk, open_order, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.tickets.services.opening import ticket_attach
    from hotline.tickets.services.timers import timers_run
    from hotline.tickets.services.transitions import ticket_accept
    from tests.tickets.conftest import T0

    ticket = open_order()
    with recorded_pushes() as pushes:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
            # Nothing is pushed while the transaction is open: only its commit sends.
            assert _order_page_pushes(pushes, ticket) == []
        assert callbacks
        with django_capture_on_commit_callbacks(execute=True):
            ticket_accept(ticket=ticket, by=desk.tech_a.user)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_attach(
                ticket=ticket,
                by=desk.tech_a.user,
                upload=SimpleUploadedFile(
                    "box.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png"
                ),
            )
    assert _order_page_pushes(pushes, ticket) == [
        "ticket.dispatched",
        "ticket.accepted",
        "ticket.attached",
    ]
    payload = next(p.data for p in pushes if p.event == "ticket.attached")
    assert payload == {
        "id": ticket.pk,
        "number": ticket.number,
        "state": "accepted",
        "by": desk.tech_a.user.username,
    }
    # An escalation by a timer reaches the page too.
    other = open_order()
    with recorded_pushes() as pushes, django_capture_on_commit_callbacks(execute=True):
        timers_run(now=T0 + datetime.timedelta(minutes=61), worker="test")
    assert "ticket.escalated" in _order_page_pushes(pushes, other)


def test_the_order_page_listens_to_its_order_and_refreshes_its_part(desk, open_order, client):
    from django.urls import reverse

    ticket = open_order()
    client.force_login(desk.agent)
    url = reverse("tickets:detail", args=[ticket.pk])
    html = client.get(url).content.decode()
    assert f"data-live-topics='[\"ticket.{ticket.pk}\"]'" in html
    assert 'hx-target="#ticket-body"' in html and "tickets/live.js" in html
    part = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-body")
    body = part.content.decode()
    assert part.status_code == 200
    assert body.lstrip().startswith('<div id="ticket-body">') and "<html" not in body
    assert ticket.number in body
    # The live refresh answers with the same scope as the page.
    stranger = factories.user("dispatcher", regions=[desk.world.s2a])
    client.force_login(stranger)
    assert client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-body").status_code == 404


def test_who_may_listen_to_an_orders_page(desk, open_order):
    ticket = open_order()
    topic = f"ticket.{ticket.pk}"
    assert topic_allowed(desk.dispatcher, topic)  # the order's station
    assert topic_allowed(desk.lead, topic)  # the district above it
    assert topic_allowed(desk.city_manager, topic)  # the whole city
    assert topic_allowed(desk.tech_a.user, topic)  # a technician of the station
    assert not topic_allowed(desk.tech_far.user, topic)  # a technician elsewhere
    assert not topic_allowed(factories.user("dispatcher", regions=[desk.world.s2a]), topic)
    assert not topic_allowed(desk.dispatcher, "ticket.999999")  # no such order
    assert not topic_allowed(desk.dispatcher, "ticket.abc")
    desk.dispatcher.is_active = False
    assert not topic_allowed(desk.dispatcher, topic)


def test_a_note_is_written_to_the_history_and_refreshes_the_page(
    desk, open_order, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from hotline.accounts.models import AuditEntry

    ticket = open_order()
    client.force_login(desk.agent)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'data-form="note"' in page
    with recorded_pushes() as pushes, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tickets:note", args=[ticket.pk]), {"note": "客户改约明天"})
    assert response.status_code == 302
    line = ticket.history.get(action="note")
    assert (line.note, line.actor_id) == ("客户改约明天", desk.agent.pk)
    assert [p.event for p in pushes if p.group == f"ticket.{ticket.pk}"] == ["ticket.noted"]
    assert AuditEntry.objects.filter(
        model="tickets.ticket", object_id=str(ticket.pk), changes__history_note__1="客户改约明天"
    ).exists()
    # Empty: nothing written. A QA inspector reads the order but may not write on it.
    client.post(reverse("tickets:note", args=[ticket.pk]), {"note": "  "})
    inspector = factories.user("qa_inspector", regions=[desk.world.d1])
    client.force_login(inspector)
    assert (
        'data-form="note"'
        not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    )
    client.post(reverse("tickets:note", args=[ticket.pk]), {"note": "x"})
    # Another region's dispatcher: not found.
    client.force_login(factories.user("dispatcher", regions=[desk.world.s2a]))
    assert client.post(reverse("tickets:note", args=[ticket.pk]), {"note": "x"}).status_code == 404
    assert ticket.history.filter(action="note").count() == 1
