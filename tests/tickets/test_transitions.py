"""Every transition through its service: allowed from its sources, refused elsewhere, with
history, audit and events; permissions and scope; pause/resume; repeat repairs."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hotline.accounts.models import AuditEntry
from hotline.events import recorded_events
from hotline.tickets.models import Ticket
from hotline.tickets.services.dispatching import ticket_dispatch, ticket_redispatch, ticket_take
from hotline.tickets.services.transitions import (
    ticket_accept,
    ticket_arrive,
    ticket_cancel,
    ticket_close,
    ticket_pause,
    ticket_reopen,
    ticket_resolve,
    ticket_resume,
    ticket_transition,
    ticket_verify,
)
from hotline.tickets.workflow import TRANSITIONS, IllegalTransition, State
from tests.tickets.conftest import T0

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)

# How to reach each state from "new", as (action, who) steps.
PATHS = {
    State.NEW: [],
    State.DISPATCHED: ["dispatch"],
    State.ACCEPTED: ["dispatch", "accept"],
    State.ON_SITE: ["dispatch", "accept", "arrive"],
    State.PENDING_CUSTOMER: ["dispatch", "accept", "pause"],
    State.RESOLVED: ["dispatch", "accept", "arrive", "resolve"],
    State.VERIFIED: ["dispatch", "accept", "arrive", "resolve", "verify"],
    State.CLOSED: ["dispatch", "accept", "arrive", "resolve", "verify", "close"],
    State.CANCELLED: ["cancel"],
    State.REOPENED: ["dispatch", "accept", "arrive", "resolve", "reopen"],
}


def run(desk, ticket, action, **extra):
    """Do ``action`` as the person who would do it, with what it needs."""
    who = {
        "accept": desk.tech_a.user,
        "arrive": desk.tech_a.user,
        "resolve": desk.tech_a.user,
        "verify": desk.agent,
        "pause": desk.tech_a.user,
        "resume": desk.tech_a.user,
    }.get(action, desk.dispatcher)
    kwargs = {"note": "因为所以"}
    if action == "dispatch":
        kwargs["technician"] = desk.tech_a
    if action == "redispatch":
        kwargs["technician"] = desk.tech_b
    if action == "resolve":
        kwargs["confirmation_code"] = Ticket.objects.get(pk=ticket.pk).confirmation_code
    if action == "verify":
        kwargs["satisfied"] = True
    kwargs.update(extra)
    return ticket_transition(ticket=ticket, action=action, by=extra.pop("by", who), **kwargs)


def at_state(desk, open_order, state):
    ticket = open_order()
    for action in PATHS[state]:
        ticket = run(desk, ticket, action)
    assert ticket.state == state
    return ticket


ACTIONS = [a for a in TRANSITIONS if a != "fault_resolve"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", list(PATHS))
def test_transition_allowed_from_its_sources_and_refused_elsewhere(desk, open_order, action, state):
    ticket = at_state(desk, open_order, state)
    history_before = ticket.history.count()
    if state in TRANSITIONS[action].sources:
        with recorded_events() as events:
            after = run(desk, ticket, action)
        expected = TRANSITIONS[action].target
        if expected == "previous":
            expected = State.ACCEPTED
        assert after.state == expected
        line = after.history.order_by("-id").first()
        assert (line.action, line.from_state, line.to_state) == (action, state, expected)
        assert line.actor_id is not None
        assert any(e.name.startswith("ticket.") for e in events)
        assert AuditEntry.objects.filter(
            model="tickets.ticket", object_id=str(ticket.pk), action="update"
        ).exists()
    else:
        with pytest.raises(IllegalTransition) as info:
            run(desk, ticket, action)
        assert info.value.state == state
        assert Ticket.objects.get(pk=ticket.pk).state == state
        assert ticket.history.count() == history_before


def test_the_full_loop_records_every_step_and_the_sla_outcome(desk, open_order):
    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    ticket = ticket_accept(ticket=ticket, by=desk.tech_a.user, now=T0 + H / 2)
    ticket = ticket_arrive(ticket=ticket, by=desk.tech_a.user, now=T0 + 5 * H)
    ticket = ticket_resolve(
        ticket=ticket,
        by=desk.tech_a.user,
        note="更换机顶盒",
        parts_used="机顶盒 1 台",
        confirmation_code=ticket.confirmation_code,
        now=T0 + 6 * H,
    )
    assert ticket.callback_state == "pending"
    ticket = ticket_verify(ticket=ticket, by=desk.agent, satisfied=True, now=T0 + 30 * H)
    ticket = ticket_close(ticket=ticket, by=desk.dispatcher, now=T0 + 31 * H)
    assert (ticket.response_met, ticket.arrival_met, ticket.resolution_met) == (True, False, True)
    # Opened Monday 09:00: the loop is due at the close of business on Thursday.
    assert ticket.closure_due_at == datetime.datetime(2026, 3, 5, 9, 30, tzinfo=datetime.UTC)
    assert ticket.closure_met is True
    steps = [(h.action, h.to_state) for h in ticket.history.all()]
    assert steps == [
        ("created", "new"),
        ("owner_assigned", ""),
        ("dispatch", "dispatched"),
        ("accept", "accepted"),
        ("arrive", "on_site"),
        ("resolve", "resolved"),
        ("verify", "verified"),
        ("close", "closed"),
    ]
    assert ticket.parts_used == "机顶盒 1 台" and ticket.satisfied is True


def test_a_wrong_confirmation_code_is_refused_and_nothing_changes(desk, open_order):
    ticket = at_state(desk, open_order, State.ON_SITE)
    with pytest.raises(ValidationError) as info:
        ticket_resolve(ticket=ticket, by=desk.tech_a.user, note="修好", confirmation_code="000")
    assert "confirmation_code" in info.value.message_dict
    assert Ticket.objects.get(pk=ticket.pk).state == State.ON_SITE


def test_only_the_orders_technician_may_accept_it(desk, open_order):
    ticket = at_state(desk, open_order, State.DISPATCHED)
    with pytest.raises(PermissionDenied):
        ticket_accept(ticket=ticket, by=desk.tech_b.user)
    with pytest.raises(PermissionDenied):
        ticket_accept(ticket=ticket, by=desk.agent)  # no permission to work orders at all


def test_a_technician_cannot_dispatch_and_an_agent_cannot_cancel(desk, open_order):
    ticket = open_order()
    with pytest.raises(PermissionDenied):
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.tech_a.user)
    with pytest.raises(PermissionDenied):
        ticket_cancel(ticket=ticket, by=desk.agent, note="不要了")


def test_a_dispatcher_outside_the_region_cannot_touch_the_order(desk, open_order):
    from hotline.accounts.models import Role
    from tests import factories

    other = factories.user(Role.DISPATCHER, regions=[desk.world.s2a])
    ticket = open_order()
    with pytest.raises(PermissionDenied):
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=other)


def test_cross_region_dispatch_needs_its_permission(desk, open_order):
    from django.contrib.auth.models import Permission

    ticket = open_order()
    with pytest.raises(ValidationError) as info:
        ticket_dispatch(ticket=ticket, technician=desk.tech_far, by=desk.dispatcher)
    assert "technician" in info.value.message_dict
    desk.dispatcher.user_permissions.add(Permission.objects.get(codename="dispatch_cross_region"))
    dispatcher = type(desk.dispatcher).objects.get(pk=desk.dispatcher.pk)
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_far, by=dispatcher)
    assert ticket.technician == desk.tech_far
    assert ticket.history.order_by("-id").first().data["cross_region"] is True


def test_redispatch_needs_a_reason(desk, open_order):
    ticket = at_state(desk, open_order, State.ACCEPTED)
    with pytest.raises(ValidationError) as info:
        ticket_redispatch(ticket=ticket, technician=desk.tech_b, by=desk.dispatcher, note=" ")
    assert "note" in info.value.message_dict
    ticket = ticket_redispatch(
        ticket=ticket, technician=desk.tech_b, by=desk.dispatcher, note="张师傅请假"
    )
    assert (ticket.state, ticket.technician) == (State.DISPATCHED, desk.tech_b)


def test_pending_customer_stops_the_clock_and_resume_moves_the_deadlines(desk, open_order):
    ticket = at_state(desk, open_order, State.ACCEPTED)
    due = ticket.resolution_due_at
    ticket = ticket_pause(ticket=ticket, by=desk.tech_a.user, note="客户不在家", now=T0 + 2 * H)
    assert ticket.timers.filter(status="pending").count() == 0
    ticket = ticket_resume(ticket=ticket, by=desk.tech_a.user, now=T0 + 5 * H)
    assert ticket.state == State.ACCEPTED
    assert ticket.resolution_due_at == due + 3 * H
    assert set(ticket.timers.filter(status="pending").values_list("kind", flat=True)) == {
        "warning",
        "breach",
    }


def test_reopen_sends_the_order_back_to_the_regions_owner(desk, open_order):
    ticket = at_state(desk, open_order, State.CLOSED)
    ticket = ticket_reopen(ticket=ticket, by=desk.dispatcher, note="又没信号了")
    assert (ticket.state, ticket.owner, ticket.closed_at) == (State.REOPENED, desk.dispatcher, None)
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_b, by=desk.dispatcher)
    assert ticket.state == State.DISPATCHED


def test_repeat_repair_is_flagged_within_the_window_and_linked(desk, open_order, settings):
    first = at_state(desk, open_order, State.RESOLVED)
    first.refresh_from_db()
    soon = first.resolved_at + datetime.timedelta(days=29)
    again = open_order(now=soon)
    assert again.repeat_of == first
    settings.TICKETS = {**settings.TICKETS, "REPEAT_WINDOW_DAYS": 7}
    later = open_order(now=first.resolved_at + datetime.timedelta(days=8))
    assert later.repeat_of is None
    other_category = open_order(now=soon, category_id=desk.no_signal.pk)
    assert other_category.repeat_of is None


def test_taking_over_stops_the_escalation(desk, open_order):
    ticket = open_order()
    assert ticket.timers.filter(kind="owner", status="pending").exists()
    ticket = ticket_take(ticket=ticket, by=desk.lead, note="我来处理")
    assert ticket.owner == desk.lead and ticket.owner_acknowledged
    assert not ticket.timers.filter(kind="owner", status="pending").exists()


def test_bulk_dispatch_sends_new_ones_redispatches_working_ones_and_names_the_rest(
    desk, open_order
):
    from hotline.tickets.services.dispatching import ticket_bulk_dispatch

    fresh = open_order()
    working = at_state(desk, open_order, State.ACCEPTED)
    done = at_state(desk, open_order, State.CLOSED)
    result = ticket_bulk_dispatch(
        tickets=[fresh, working, done], by=desk.dispatcher, technician=desk.tech_b
    )
    assert result["dispatched"] == [fresh.number, working.number]
    assert len(result["failed"]) == 1 and result["failed"][0].startswith(done.number)
    working.refresh_from_db()
    assert (working.state, working.technician) == (State.DISPATCHED, desk.tech_b)
    assert working.history.order_by("-id").first().action == "redispatch"
