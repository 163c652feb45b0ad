"""Attended transfer and conference on the simulated switch with a manual clock: the switch's
bridges and holds, the agents' states and the call record's steps after each move."""

from __future__ import annotations

import pytest

from hotline.push.send import recorded_pushes
from hotline.telephony.models import CallRecord
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)
OUTSIDE = "02588880000"


def steps(record: CallRecord) -> list[str]:
    return list(record.steps.order_by("at", "id").values_list("kind", flat=True))


async def talking(h: Harness, first) -> tuple:
    """The first agent talking to a caller who stays on the line."""
    await h.start()
    await h.ready(first)
    caller = await h.call("13700001111", keys="1", think=1, talk=3600, patience=3600)
    await h.advance(1)
    assert (await h.cmd(op="answer", agent=first.pk))["ok"]
    call = next(iter(h.sb.calls.values()))
    assert h.state(first) == "talking"
    return caller, call


def together(h: Harness, *channels: str) -> bool:
    """The channels share one bridge, and only they are in it."""
    bridges = {h.switch.live[c].bridge for c in channels}
    (bridge,) = bridges
    return bool(bridge) and sorted(h.switch.bridges[bridge]) == sorted(channels)


def test_a_consulted_agent_answers_and_takes_the_caller_over():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        agent_channel = call.agent_channel
        with recorded_pushes() as pushes:
            result = await h.cmd(op="consult", agent=first.pk, to_agent=second.pk)
            assert result["ok"]
            offer = [p for p in pushes if p.event == "call.offered"]
            assert offer[0].group == f"agent.{second.pk}" and offer[0].data["consult"]
        assert (h.state(first), h.state(second)) == ("holding", "reserved")
        assert h.switch.live[caller].held and h.switch.live[caller].music
        assert agent_channel not in h.switch.bridges[call.bridge]  # the caller hears music only
        early = await h.cmd(op="consult_complete", agent=first.pk)
        assert early == {"ok": False, "error": "consult_not_answered"}
        assert (await h.cmd(op="answer", agent=second.pk))["ok"]
        assert h.state(second) == "talking"
        target = call.consult.channel
        assert together(h, agent_channel, target)  # the agents talk, the caller waits
        assert (await h.cmd(op="consult_complete", agent=first.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("wrap_up", "talking")
        assert agent_channel not in h.switch.live
        assert together(h, caller, target) and not h.switch.live[caller].held
        assert call.agent_id == second.pk and call.consult is None
        # The new agent has the call: they hang up and wrap up.
        assert (await h.cmd(op="hangup", agent=second.pk))["ok"]
        assert h.state(second) == "wrap_up" and caller not in h.switch.live
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    assert (record.state, record.agent_id) == ("ended", second.pk)
    kinds = steps(record)
    at = kinds.index("consulting")
    expected = ["consulting", "consult_ringing", "consult_answered", "transferred"]
    assert kinds[at : at + 4] == expected
    moved = record.steps.get(kind="transferred")
    assert moved.agent_id == first.pk and moved.detail == {
        "consult": True,
        "agent": second.pk,
        "number": "",
    }
    assert record.steps.get(kind="consult_answered").agent_id == second.pk


def test_cancelling_a_consultation_brings_the_caller_back():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        agent_channel = call.agent_channel
        assert (await h.cmd(op="consult", agent=first.pk, to_agent=second.pk))["ok"]
        await h.cmd(op="answer", agent=second.pk)
        target = call.consult.channel
        assert (await h.cmd(op="consult_cancel", agent=first.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("talking", "wrap_up")
        assert target not in h.switch.live
        assert together(h, caller, agent_channel) and not h.switch.live[caller].held
        assert call.state == "talking" and call.agent_id == first.pk
        # Cancelled while still ringing: the colleague is simply ready again.
        await h.cmd(op="wrap_up_done", agent=second.pk)
        assert (await h.cmd(op="consult", agent=first.pk, to_agent=second.pk))["ok"]
        assert (await h.cmd(op="consult_cancel", agent=first.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("talking", "ready")
        again = await h.cmd(op="consult_cancel", agent=first.pk)
        assert again == {"ok": False, "error": "not_consulting"}
        h.close()

    run(scenario())
    kinds = steps(CallRecord.objects.get())
    assert kinds.count("consulting") == 2 and kinds.count("consult_cancelled") == 2
    assert "transferred" not in kinds


def test_a_consulted_party_who_does_not_answer_gives_the_caller_back():
    first, second = configure(agents=2)  # the queue rings for 20 s

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        agent_channel = call.agent_channel
        assert (await h.cmd(op="consult", agent=first.pk, to_agent=second.pk))["ok"]
        await h.advance(19)
        assert h.state(second) == "reserved"
        await h.advance(1)
        assert (h.state(first), h.state(second)) == ("talking", "not_ready")
        assert h.sb.router.agents[second.pk].reason == "ring_no_answer"
        assert together(h, caller, agent_channel) and not h.switch.live[caller].held
        # An outside number that never picks up: the switch gives up, the agent has the
        # caller back.
        h.switch.no_answer.add(OUTSIDE)
        assert (await h.cmd(op="consult", agent=first.pk, number=OUTSIDE))["ok"]
        assert h.state(first) == "holding"
        await h.advance(20)
        assert h.state(first) == "talking" and call.consult is None
        assert together(h, caller, agent_channel)
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    assert steps(record).count("consult_not_answered") == 2
    last = record.steps.filter(kind="consult_not_answered").order_by("-id").first()
    assert last.detail["number"] == OUTSIDE and last.detail["cause"] == "no_answer"


def test_an_outside_number_consulted_then_handed_the_caller():
    (first,) = configure(agents=1)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        assert (await h.cmd(op="consult", agent=first.pk, number=OUTSIDE))["ok"]
        await h.advance(3)  # the outside number answers
        target = call.consult.channel
        assert call.consult.answered
        # Hanging up with the consulted party on the line hands the caller over.
        assert (await h.cmd(op="hangup", agent=first.pk))["ok"]
        assert h.state(first) == "wrap_up"
        assert together(h, caller, target)
        h.switch.caller_hangup(caller)
        await h.drain()
        assert target not in h.switch.live and not h.sb.calls
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    assert record.state == "ended" and "transferred" in steps(record)


def test_a_conference_adds_an_agent_and_a_number_and_drops_them():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        agent_channel = call.agent_channel
        assert (await h.cmd(op="conference_add", agent=first.pk, to_agent=second.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("talking", "reserved")
        assert not h.switch.live[caller].held  # the caller keeps talking meanwhile
        await h.cmd(op="answer", agent=second.pk)
        assert h.state(second) == "talking"
        colleague = next(iter(call.parties))
        assert together(h, caller, agent_channel, colleague)  # one bridge, three channels
        assert (await h.cmd(op="conference_add", agent=first.pk, number=OUTSIDE))["ok"]
        await h.advance(3)
        outside = next(c for c, p in call.parties.items() if p.number == OUTSIDE)
        assert together(h, caller, agent_channel, colleague, outside)
        # The colleague may only leave; the call's agent drops parties.
        refused = await h.cmd(op="conference_drop", agent=second.pk, number=OUTSIDE)
        assert refused == {"ok": False, "error": "not_your_call"}
        assert (await h.cmd(op="conference_drop", agent=first.pk, number=OUTSIDE))["ok"]
        assert together(h, caller, agent_channel, colleague)
        assert (await h.cmd(op="conference_drop", agent=first.pk, to_agent=second.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("talking", "wrap_up")
        assert together(h, caller, agent_channel)
        nobody = await h.cmd(op="conference_drop", agent=first.pk)
        assert nobody == {"ok": False, "error": "no_party"}
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    kinds = steps(record)
    assert kinds.count("conference_ringing") == 2 and kinds.count("conference_joined") == 2
    assert kinds.count("conference_dropped") == 2
    assert record.steps.get(kind="conference_joined", agent_id=second.pk)


def test_when_the_agent_leaves_a_conference_the_colleague_keeps_the_caller():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        await h.cmd(op="conference_add", agent=first.pk, to_agent=second.pk)
        await h.cmd(op="answer", agent=second.pk)
        colleague = next(iter(call.parties))
        assert (await h.cmd(op="hangup", agent=first.pk))["ok"]
        assert (h.state(first), h.state(second)) == ("wrap_up", "talking")
        assert together(h, caller, colleague) and call.agent_id == second.pk
        h.switch.caller_hangup(caller)
        await h.drain()
        assert h.state(second) == "wrap_up"
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    assert record.agent_id == second.pk and "conference_handover" in steps(record)


def test_the_caller_hanging_up_during_a_consultation_frees_both_agents():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        caller, call = await talking(h, first)
        await h.ready(second)
        await h.cmd(op="consult", agent=first.pk, to_agent=second.pk)
        await h.cmd(op="answer", agent=second.pk)
        target = call.consult.channel
        h.switch.caller_hangup(caller)
        await h.drain()
        assert (h.state(first), h.state(second)) == ("wrap_up", "wrap_up")
        assert target not in h.switch.live and not h.sb.calls
        h.close()

    run(scenario())
    assert CallRecord.objects.get().state == "ended"


def test_consult_and_conference_errors_have_clear_codes_and_change_no_state():
    first, second, third = configure(agents=3)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(first)
        assert await h.cmd(op="consult", agent=first.pk, to_agent=second.pk) == {
            "ok": False,
            "error": "no_call",
        }
        await h.call("13700001111", keys="1", think=1, talk=3600, patience=3600)
        await h.advance(1)
        assert h.state(first) == "reserved"  # ringing, not yet talking
        ringing = await h.cmd(op="conference_add", agent=first.pk, number=OUTSIDE)
        assert ringing == {"ok": False, "error": "not_talking"}
        await h.cmd(op="answer", agent=first.pk)
        await h.ready(third)
        await h.cmd(op="not_ready", agent=third.pk, reason="break")
        for command, code in [
            ({"op": "consult", "to_agent": second.pk}, "agent_not_ready"),  # logged out
            ({"op": "consult", "to_agent": third.pk}, "agent_not_ready"),  # not ready
            ({"op": "consult", "to_agent": first.pk}, "agent_not_ready"),  # themselves
            ({"op": "consult"}, "target_required"),
            ({"op": "consult", "number": "12ab"}, "bad_number"),
            ({"op": "consult_complete"}, "not_consulting"),
            ({"op": "conference_drop"}, "no_party"),
        ]:
            assert await h.cmd(agent=first.pk, **command) == {"ok": False, "error": code}
        assert (h.state(first), h.state(second), h.state(third)) == (
            "talking",
            "logged_out",
            "not_ready",
        )
        await h.ready(second)
        await h.cmd(op="consult", agent=first.pk, to_agent=second.pk)
        for op, code in [
            ("hold", "already_consulting"),
            ("transfer", "already_consulting"),
            ("conference_add", "already_consulting"),
            ("consult", "already_consulting"),
        ]:
            assert await h.cmd(op=op, agent=first.pk, number=OUTSIDE) == {
                "ok": False,
                "error": code,
            }
        assert (h.state(first), h.state(second)) == ("holding", "reserved")
        h.close()

    run(scenario())


def test_a_consulted_colleagues_disposition_does_not_replace_the_owners():
    from hotline.catalog.models import StatisticItem
    from hotline.routing import services

    fault = StatisticItem.objects.create(code="tv-fault", label_zh="电视故障", label_en="TV fault")
    advice = StatisticItem.objects.create(code="advice", label_zh="咨询", label_en="Advice")
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        await talking(h, first)
        await h.ready(second)
        assert (await h.cmd(op="consult", agent=first.pk, to_agent=second.pk))["ok"]
        assert (await h.cmd(op="answer", agent=second.pk))["ok"]
        assert (await h.cmd(op="consult_cancel", agent=first.pk))["ok"]  # first keeps it
        assert (await h.cmd(op="hangup", agent=first.pk))["ok"]
        h.close()

    run(scenario())
    record = CallRecord.objects.get()
    services.call_wrap_up(call=record, by=first, disposition=fault, note="")
    services.call_wrap_up(call=record, by=second, disposition=advice, note="")
    record.refresh_from_db()
    assert record.disposition == fault  # the owner's
    assert record.steps.get(kind="wrapped_up", agent=second).detail == {"disposition": "advice"}
