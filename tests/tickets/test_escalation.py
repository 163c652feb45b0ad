"""Reassign and escalate until someone owns the order; timers fire once, stale ones never."""

from __future__ import annotations

import datetime

import pytest

from hotline.events import recorded_events
from hotline.push.send import recorded_pushes
from hotline.tickets.models import Ticket, TicketTimer
from hotline.tickets.routing import escalation_chain
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.timers import timer_fire, timers_run
from hotline.tickets.services.transitions import ticket_accept
from tests.tickets.conftest import T0, recorded_sms

pytestmark = pytest.mark.django_db
M = datetime.timedelta(minutes=1)


def test_the_chain_runs_from_the_station_up_the_region_tree(desk):
    chain = escalation_chain(desk.world.s1a)
    assert chain == [
        desk.dispatcher.pk,  # bound to the station
        desk.lead.pk,  # leads the district's team
        desk.district_manager.pk,  # bound to the district
        desk.city_manager.pk,  # sees every region
    ]


def test_nobody_acting_escalates_step_by_step_to_the_top(
    desk, open_order, django_capture_on_commit_callbacks
):
    ticket = open_order()
    assert (ticket.owner, ticket.escalation_level) == (desk.dispatcher, 1)
    now = T0
    owners = []
    with recorded_sms() as messages, recorded_pushes() as pushes:
        for _step in range(4):
            now += 61 * M
            with django_capture_on_commit_callbacks(execute=True):
                summary = timers_run(now=now, worker="test")
            assert summary["fired"] == 1
            ticket.refresh_from_db()
            owners.append((ticket.owner_id, ticket.escalation_level, ticket.at_top))
        # From the top nobody further up: the owner is only reminded (test_reminders).
        assert timers_run(now=now + 600 * M, worker="test")["fired"] == 1
        assert ticket.history.filter(action="reminder").count() == 1
    assert owners == [
        (desk.lead.pk, 2, False),
        (desk.district_manager.pk, 3, False),
        (desk.city_manager.pk, 4, True),
        (desk.city_manager.pk, 4, True),  # the top: said once, nobody further up
    ]
    lines = list(ticket.history.filter(action__startswith="escalat"))
    assert [line.action for line in lines] == [
        "escalated",
        "escalated",
        "escalated",
        "escalation_top",
    ]
    assert all(line.timer_id and line.actor_name == "timer" for line in lines)
    assert [m.to for m in messages if m.purpose == "escalation"] == [
        desk.city_manager.phone,
        desk.city_manager.phone,
    ]  # only the city manager has a phone in this world
    assert {p.group for p in pushes} >= {f"user.{desk.lead.pk}", f"user.{desk.city_manager.pk}"}


def test_a_technician_who_does_not_accept_is_replaced_then_the_order_goes_up(desk, open_order):
    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    with recorded_events() as events:
        with recorded_sms() as messages:
            timers_run(now=T0 + 31 * M, worker="test")
        ticket.refresh_from_db()
        assert ticket.technician == desk.tech_b and ticket.escalation_level == 0
        assert [m.to for m in messages if m.purpose == "reassigned"] == [desk.tech_b.mobile]
        # tech_b does not accept either; tech_far does not serve the station: up it goes.
        timers_run(now=T0 + 62 * M, worker="test")
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.escalation_level) == (desk.dispatcher, 1)
    assert ticket.state == "dispatched"
    assert [e.name for e in events if e.name in ("ticket.reassigned", "ticket.escalated")] == [
        "ticket.reassigned",
        "ticket.escalated",
    ]
    actions = list(ticket.history.values_list("action", flat=True))
    assert actions[-2:] == ["reassigned", "escalated"]


def test_accepting_in_time_cancels_the_reassignment(desk, open_order):
    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    accept_timer = ticket.timers.get(kind="accept", status="pending")
    ticket_accept(ticket=ticket, by=desk.tech_a.user, now=T0 + 10 * M)
    accept_timer.refresh_from_db()
    assert accept_timer.status == "cancelled"
    assert timers_run(now=T0 + 31 * M, worker="test")["fired"] == 0
    assert Ticket.objects.get(pk=ticket.pk).technician == desk.tech_a


def test_a_timer_fires_once_even_when_claimed_twice(desk, open_order):
    ticket = open_order()
    timer = ticket.timers.get(kind="owner")
    assert timer_fire(timer.pk, now=T0 + 61 * M, worker="a").startswith("escalated")
    assert timer_fire(timer.pk, now=T0 + 61 * M, worker="b") == ""
    timer.refresh_from_db()
    assert (timer.status, timer.fired_by) == ("done", "a")
    assert ticket.history.filter(timer=timer).count() == 1


def test_a_timer_whose_order_moved_on_is_stale_and_does_nothing(desk, open_order):
    ticket = open_order()
    timer = ticket.timers.get(kind="owner")
    # Someone changed the order behind the timer's back (no event): the key no longer matches.
    Ticket.objects.filter(pk=ticket.pk).update(owner_acknowledged=True)
    assert timer_fire(timer.pk, now=T0 + 61 * M, worker="a") == "stale"
    assert not ticket.history.filter(timer=timer).exists()


def test_warning_then_breach_of_the_resolution_deadline(desk, open_order):
    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    ticket = ticket_accept(ticket=ticket, by=desk.tech_a.user, now=T0 + 5 * M)
    with recorded_sms() as messages:
        timers_run(now=ticket.warning_at, worker="test")
        timers_run(now=ticket.resolution_due_at, worker="test")
    actions = list(ticket.history.values_list("action", flat=True))
    assert actions[-2:] == ["sla_warning", "sla_breached"]
    assert {m.purpose for m in messages} == {"sla_breach"}  # the technician's user has no phone
    breach = ticket.history.get(action="sla_breached")
    assert desk.dispatcher.pk in breach.data["told"]
    assert not TicketTimer.objects.filter(ticket=ticket, status="pending", kind="breach").exists()


def test_a_worker_dying_inside_the_handler_leaves_the_timer_for_the_next_scan(
    desk, open_order, monkeypatch
):
    from hotline.tickets.services import escalation

    ticket = open_order()
    timer = ticket.timers.get(kind="owner")
    real = escalation.handlers

    def dying():
        def die(ticket, *, timer_id, now):
            raise SystemExit("killed")  # what a worker killed mid-transaction amounts to

        return {**real(), "owner": die}

    monkeypatch.setattr(escalation, "handlers", dying)
    with pytest.raises(SystemExit):
        timer_fire(timer.pk, now=T0 + 61 * M, worker="dies")
    timer.refresh_from_db()
    assert (timer.status, timer.fired_by) == ("pending", "")
    monkeypatch.setattr(escalation, "handlers", real)
    assert timers_run(now=T0 + 62 * M, worker="next")["fired"] == 1
    timer.refresh_from_db()
    assert (timer.status, timer.fired_by) == ("done", "next")
    assert ticket.history.filter(timer=timer).count() == 1
