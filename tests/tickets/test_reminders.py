"""At the top of the escalation chain the order's owner is reminded at an interval (the SLA
policy's, else the setting) until someone takes it; each reminder is a timer row fired once,
a history line, a push and an SMS."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from hotline.push.send import recorded_pushes
from hotline.tickets.models import TicketTimer
from hotline.tickets.services.dispatching import ticket_take
from hotline.tickets.services.timers import timer_fire, timers_run
from tests.tickets.conftest import T0, recorded_sms

pytestmark = pytest.mark.django_db
M = datetime.timedelta(minutes=1)


def _to_the_top(ticket) -> datetime.datetime:
    """Let nobody act: four escalation deadlines pass (60 min each); the city manager, last
    of the chain, is told the order reached the top. Returns that moment."""
    now = T0
    for _step in range(4):
        now += 61 * M
        assert timers_run(now=now, worker="test")["fired"] == 1
    ticket.refresh_from_db()
    assert ticket.at_top and ticket.history.filter(action="escalation_top").count() == 1
    return now


def _reminders(ticket) -> list:
    return list(ticket.history.filter(action="reminder").order_by("at", "id"))


def test_the_top_is_reminded_every_interval_until_someone_takes_it(
    desk, open_order, django_capture_on_commit_callbacks
):
    ticket = open_order()
    top = _to_the_top(ticket)
    assert ticket.reminded_at == top
    timer = ticket.timers.get(kind="remind", status="pending")
    assert timer.due_at == top + 30 * M  # the setting's default interval

    assert timers_run(now=top + 29 * M, worker="test")["fired"] == 0
    with recorded_sms() as messages, recorded_pushes() as pushes:
        with django_capture_on_commit_callbacks(execute=True):
            assert timers_run(now=top + 30 * M, worker="test")["fired"] == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert timers_run(now=top + 45 * M, worker="test")["fired"] == 0
            assert timers_run(now=top + 61 * M, worker="test")["fired"] == 1
    lines = _reminders(ticket)
    assert [line.data["reminder"] for line in lines] == [1, 2]
    assert [line.at for line in lines] == [top + 30 * M, top + 61 * M]
    assert all(line.owner_id == desk.city_manager.pk for line in lines)
    assert all(line.timer_id and line.actor_name == "timer" for line in lines)
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext(
            "Reminder %(n)d: nobody has taken the order yet; reminded every %(minutes)d "
            "minutes until someone does."
        ) % {"n": 1, "minutes": 30}
    assert lines[0].note == expected
    reminder_sms = [m for m in messages if m.purpose == "reminder"]
    assert [m.to for m in reminder_sms] == [desk.city_manager.phone] * 2
    assert ticket.number in reminder_sms[0].text
    to_owner = [p for p in pushes if p.group == f"user.{desk.city_manager.pk}"]
    assert [p.event for p in to_owner] == ["ticket.reminded", "ticket.reminded"]
    assert [p.event for p in pushes if p.group == f"ticket.{ticket.pk}"] == [
        "ticket.reminded",
        "ticket.reminded",
    ]
    # The next one is due an interval after the last reminder (not after the top).
    ticket.refresh_from_db()
    pending = ticket.timers.get(kind="remind", status="pending")
    assert pending.due_at == top + 91 * M

    # A dispatcher of the station takes it: the reminders stop at once.
    ticket_take(ticket=ticket, by=desk.dispatcher, now=top + 70 * M)
    pending.refresh_from_db()
    assert pending.status == TicketTimer.Status.CANCELLED
    assert timers_run(now=top + 600 * M, worker="test")["fired"] == 0
    assert len(_reminders(ticket)) == 2
    assert not ticket.timers.filter(kind="remind", status="pending").exists()


def test_the_policy_sets_the_interval_else_the_setting(desk, open_order):
    desk.normal.remind_minutes = 10
    desk.normal.save()
    ticket = open_order()
    top = _to_the_top(ticket)
    assert ticket.timers.get(kind="remind", status="pending").due_at == top + 10 * M

    desk.normal.remind_minutes = None
    desk.normal.save()
    with override_settings(TICKETS={**settings.TICKETS, "TOP_REMINDER_MINUTES": 45}):
        other = open_order()
        top = _to_the_top(other)
        assert other.timers.get(kind="remind", status="pending").due_at == top + 45 * M


def test_a_reminder_fires_once_even_when_claimed_twice(desk, open_order):
    ticket = open_order()
    top = _to_the_top(ticket)
    timer = ticket.timers.get(kind="remind", status="pending")
    with recorded_sms() as messages:
        assert timer_fire(timer.pk, now=top + 30 * M, worker="a") == "reminded:1"
        assert timer_fire(timer.pk, now=top + 30 * M, worker="b") == ""
    timer.refresh_from_db()
    assert (timer.status, timer.fired_by, timer.outcome) == ("done", "a", "reminded:1")
    assert ticket.history.filter(timer=timer).count() == 1
    assert len([m for m in messages if m.purpose == "reminder"]) == 1


def test_a_dispatched_and_accepted_order_is_not_reminded(desk, open_order):
    from hotline.tickets.services.dispatching import ticket_dispatch
    from hotline.tickets.services.transitions import ticket_accept

    ticket = open_order()
    top = _to_the_top(ticket)
    # The station's dispatcher sends it to a technician, who accepts.
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=top)
    ticket_accept(ticket=ticket, by=desk.tech_a.user, now=top + 5 * M)
    assert not ticket.timers.filter(kind="remind", status="pending").exists()
    assert timers_run(now=top + 120 * M, worker="test")["fired"] == 0
    assert _reminders(ticket) == []


def test_a_reminder_timer_for_an_owner_who_moved_on_is_stale(desk, open_order):
    from hotline.tickets.models import Ticket

    ticket = open_order()
    top = _to_the_top(ticket)
    timer = ticket.timers.get(kind="remind", status="pending")
    # Taken behind the timer's back (no event): the reminder is no longer wanted.
    Ticket.objects.filter(pk=ticket.pk).update(owner_acknowledged=True)
    assert timer_fire(timer.pk, now=top + 30 * M, worker="a") == "stale"
    assert _reminders(ticket) == []


def test_the_order_page_shows_timer_changes_as_the_system(desk, open_order, client):
    from django.urls import reverse

    ticket = open_order()
    _to_the_top(ticket)
    timers_run(now=T0 + 600 * M, worker="test")  # and a reminder
    client.force_login(desk.city_manager)
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    items = re.findall(r'<li data-action="([a-z_]+)"( data-actor="system")?>', html)
    by_action = {}
    for action, system in items:
        by_action.setdefault(action, set()).add(bool(system))
    assert by_action["escalated"] == {True}
    assert by_action["escalation_top"] == {True}
    assert by_action["reminder"] == {True}
    assert by_action["created"] == {False}  # the agent who opened it, by name
    with translation.override(settings.LANGUAGE_CODE):  # the page's language
        assert translation.gettext("System (timer)") in html
    assert '<strong class="badge actor-system"' in html
