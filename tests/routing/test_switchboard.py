"""The switchboard end to end on the simulated switch, a manual clock and the database."""

from __future__ import annotations

import pytest

from hotline.push.send import recorded_pushes
from hotline.routing.models import AgentStateLog, AgentStatus, CallbackRequest
from hotline.telephony.models import CallRecord
from tests import factories
from tests.routing.harness import Harness, configure, known_caller, run

pytestmark = pytest.mark.django_db(transaction=True)


def steps(record: CallRecord) -> list[str]:
    return list(record.steps.values_list("kind", flat=True))


def test_a_known_caller_goes_through_the_ivr_pops_on_the_agent_before_answer_and_wraps_up():
    city = factories.region("city")
    first, _second = configure(agents=2)
    first.regions.set([city])  # the caller's region is in the agent's scope
    customer = known_caller(city)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(first)
        with recorded_pushes() as pushes:
            await h.call("13912345678", keys="1", think=2, talk=30)
            await h.advance(2)  # the caller presses 1
            offers = [p for p in pushes if p.event == "call.offered"]
            assert offers and offers[0].group == f"agent.{first.pk}"
            assert offers[0].data["customer"]["id"] == customer.pk  # before answering
            assert offers[0].data["ivr_path"][-1]["node"] == "to-tv"
            assert h.state(first) == "reserved"
            assert (await h.cmd(op="answer", agent=first.pk))["ok"]
            assert h.state(first) == "talking"
            await h.advance(30)  # the caller hangs up after talking
            assert h.state(first) == "wrap_up"
            assert (await h.cmd(op="wrap_up_done", agent=first.pk))["ok"]
            assert h.state(first) == "ready"
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    assert (record.state, record.hung_up_by, record.customer_id) == ("ended", "caller", customer.pk)
    assert record.agent_id == first.pk and record.answered_at and record.ended_at
    assert steps(record)[:1] == ["offered"]
    for kind in ("ivr", "queued", "ringing", "answered", "ended"):
        assert kind in steps(record)
    assert list(
        AgentStateLog.objects.filter(agent=first)
        .order_by("at", "id")
        .values_list("to_state", flat=True)
    ) == ["not_ready", "ready", "reserved", "talking", "wrap_up", "ready"]


def test_abandoned_while_queued_and_while_ringing():
    agent, _ = configure(agents=2)

    async def scenario():
        h = Harness()
        await h.start()
        channel = await h.call("13800000001", keys="1", think=1)
        await h.advance(1)
        h.switch.caller_hangup(channel)  # nobody ready: abandoned while queued
        await h.drain()
        await h.ready(agent)
        channel = await h.call("13800000002", keys="1", think=1)
        await h.advance(1)
        assert h.state(agent) == "reserved"
        h.switch.caller_hangup(channel)  # abandoned while ringing
        await h.drain()
        assert h.state(agent) == "ready"
        assert not h.sb.router.waiting
        h.close()

    run(scenario())
    first, second = CallRecord.objects.order_by("offered_at", "id")
    assert (first.state, first.hung_up_by) == ("abandoned", "caller")
    assert "ringing" not in steps(first)
    assert second.state == "abandoned" and "ringing" in steps(second)


def test_ring_no_answer_sets_the_agent_not_ready_and_offers_the_call_to_the_next():
    first, second = configure(agents=2, ring_timeout=15)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(first)
        h.clock.advance(1)
        await h.ready(second)
        await h.call("13800000003", keys="1", think=1)
        await h.advance(1)
        assert h.state(first) == "reserved"  # longest idle
        await h.advance(15)
        assert h.state(first) == "not_ready"
        assert h.sb.router.agents[first.pk].reason == "ring_no_answer"
        assert h.state(second) == "reserved"
        h.close()

    run(scenario())
    assert "ring_no_answer" in steps(CallRecord.objects.get())


def test_overflow_moves_a_waiting_call_to_the_other_queue():
    configure(agents=1, overflow_after=30)
    from hotline.routing.models import Queue

    Queue.objects.filter(code="tv").update(overflow_to=Queue.objects.get(code="net"))

    async def scenario():
        h = Harness()
        await h.start()
        await h.call("13800000004", keys="1", think=1)
        await h.advance(1)
        await h.advance(30)
        [waiting] = h.sb.router.waiting.values()
        assert waiting.queue == "net"
        h.close()

    run(scenario())
    assert "overflow" in steps(CallRecord.objects.get())


def test_a_callback_keeps_the_callers_place_and_is_offered_to_the_agent_at_their_turn():
    (agent,) = configure(agents=1)

    async def scenario():
        h = Harness()
        await h.start()
        await h.call("13800000005", keys="1", think=1)  # first in the queue
        await h.call("13800000006", keys="9", think=1)  # asks for a callback... second
        await h.advance(1)
        order = sorted(h.sb.router.waiting.values(), key=lambda w: w.key)
        assert [w.callback for w in order] == [False, True]
        cb = order[1]
        assert h.sb.router.position(cb.call_id) == 2
        await h.ready(agent)  # takes the first caller
        assert h.state(agent) == "reserved"
        await h.cmd(op="answer", agent=agent.pk)
        await h.cmd(op="hangup", agent=agent.pk)
        await h.cmd(op="wrap_up_done", agent=agent.pk)
        assert h.state(agent) == "reserved"  # the callback comes next
        await h.cmd(op="answer", agent=agent.pk)  # the switch dials the customer
        assert await h.boundary.run(lambda: CallbackRequest.objects.get().state) == "dialing"
        await h.advance(3)  # the customer picks up
        assert await h.boundary.run(lambda: CallbackRequest.objects.get().state) == "answered"
        await h.cmd(op="hangup", agent=agent.pk)
        assert h.state(agent) == "wrap_up"
        h.close()

    run(scenario())
    request = CallbackRequest.objects.get()
    assert (request.state, request.attempts, request.number) == ("answered", 1, "13800000006")


def test_a_restart_closes_cut_calls_and_leaves_no_agent_busy():
    agent, other = configure(agents=2)

    async def before_crash():
        h = Harness()
        await h.start()
        await h.ready(agent, other)
        await h.call("13800000007", keys="1", think=1, talk=600)
        await h.call("13800000008", keys="1", think=1, talk=600)
        await h.advance(1)
        await h.cmd(op="answer", agent=agent.pk)  # one talking, one ringing
        h.boundary.close()  # the process dies: nothing else is written

    run(before_crash())
    assert set(AgentStatus.objects.values_list("state", flat=True)) == {"talking", "reserved"}

    async def after_restart():
        h = Harness()
        await h.start()
        assert h.sb.recovered["closed_calls"] == 2 and h.sb.recovered["freed_agents"] == 2
        assert {h.state(agent), h.state(other)} == {"not_ready"}
        h.close()

    run(after_restart())
    for record in CallRecord.objects.all():
        assert record.ended_at is not None and record.end_reason == "switchboard_restart"
    assert set(AgentStatus.objects.values_list("state", "reason")) == {("not_ready", "recovered")}


def test_watchdog_ends_a_zombie_call_and_frees_an_agent_stuck_reserved():
    agent, other = configure(agents=2)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent, other)
        channel = await h.call("13800000009", keys="1", think=1, talk=600)
        await h.advance(1)
        await h.cmd(op="answer", agent=agent.pk)
        h.switch.lose_channel(channel)  # the switch lost the caller, nobody was told
        await h.call("13800000010", keys="1", think=1, talk=600)
        await h.advance(1)
        assert h.state(other) == "reserved"
        lost_call = h.sb.router.agents[other.pk].call_id
        h.sb.calls.pop(lost_call)  # the switchboard lost the call behind the reservation
        first = await h.reconcile()  # gone once: its hang-up may still be on its way
        assert first["zombie_calls"] == 0 and first["stuck_agents"] == 1
        fixed = await h.reconcile()  # gone on the next round too: lost
        assert fixed["zombie_calls"] == 1
        assert h.state(agent) == "wrap_up"
        assert (h.state(other), h.sb.router.agents[other.pk].reason) == ("not_ready", "watchdog")
        h.close()

    run(scenario())
    zombie = CallRecord.objects.get(caller="13800000009")
    assert (zombie.state, zombie.end_reason) == ("ended", "lost")
