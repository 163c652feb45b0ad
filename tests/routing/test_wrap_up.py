"""Wrap-up needs a disposition (statistic item) unless the queue makes it optional; the
wrap-up limit still ends it, recording the call as "no disposition, wrap-up timed out"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hotline.catalog.models import StatisticItem
from hotline.routing import services
from hotline.telephony.models import CallRecord
from tests import factories
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)


def _item() -> StatisticItem:
    return StatisticItem.objects.create(code="tv-fault", label_zh="电视故障", label_en="TV fault")


async def _wrapping_up(h: Harness, agent, number: str = "13800000001") -> str:
    """The agent (ready) answers a caller who hangs up after 5 s: the agent is in wrap-up."""
    await h.call(number, keys="1", think=1, talk=5)
    await h.advance(1)
    assert (await h.cmd(op="answer", agent=agent.pk))["ok"]
    await h.advance(5)
    assert h.state(agent) == "wrap_up"
    return h.sb.router.agents[agent.pk].call_id


def test_the_wrap_up_limit_ends_wrap_up_and_records_the_call_without_a_disposition(client):
    item = _item()
    (agent,) = configure(agents=1, wrap_up_limit=30)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        call_id = await _wrapping_up(h, agent)
        await h.advance(29)
        assert h.state(agent) == "wrap_up"
        await h.advance(2)  # the limit runs out: the agent is not held up
        assert h.state(agent) == "ready"
        h.close()
        return call_id

    call = CallRecord.objects.get(call_id=run(scenario()))
    assert call.wrap_up_timed_out and call.disposition is None
    assert call.steps.filter(kind="wrap_up_timed_out", agent=agent).count() == 1
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    page = client.get(f"/desk/calls/{call.pk}/").content.decode()
    assert "no disposition (wrap-up timed out)" in page
    assert "Wrap-up timed out: no disposition" in page  # the step
    # Saved late, the call still needs its disposition, then takes it.
    with pytest.raises(ValidationError) as refused:
        services.call_wrap_up(call=call, by=agent, disposition=None, note="late")
    assert "disposition" in refused.value.message_dict
    services.call_wrap_up(call=call, by=agent, disposition=item, note="late")
    call.refresh_from_db()
    assert call.disposition == item and call.note == "late"


def test_a_late_wrap_up_of_an_earlier_call_does_not_end_the_next_calls_wrap_up():
    (agent,) = configure(agents=1, wrap_up_limit=30)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        first = await _wrapping_up(h, agent, "13800000001")
        await h.advance(31)  # timed out, ready again
        second = await _wrapping_up(h, agent, "13800000002")
        stale = await h.cmd(op="wrap_up_done", agent=agent.pk, call=first)
        assert stale == {"ok": False, "error": "invalid_state"}
        assert h.state(agent) == "wrap_up"
        assert (await h.cmd(op="wrap_up_done", agent=agent.pk, call=second))["ok"]
        assert h.state(agent) == "ready"
        h.close()

    run(scenario())


def test_a_queue_may_make_the_disposition_optional():
    _item()
    (agent,) = configure(agents=1, disposition_required=False)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        call_id = await _wrapping_up(h, agent)
        h.close()
        return call_id

    call = CallRecord.objects.get(call_id=run(scenario()))
    services.call_wrap_up(call=call, by=agent, disposition=None, note="no item needed")
    call.refresh_from_db()
    assert call.wrapped_up_at and call.disposition is None


def _timeline(customer) -> list[tuple[str, str]]:
    from hotline.customers.models import TimelineEntry

    return list(
        TimelineEntry.objects.filter(customer=customer).order_by("id").values_list("kind", "title")
    )


def test_a_timed_out_wrap_up_is_on_the_timeline_once_and_a_late_save_completes_it(settings):
    from tests.routing.harness import known_caller

    settings.LANGUAGE_CODE = "en"
    item = _item()
    (agent,) = configure(agents=1, wrap_up_limit=30)
    city = factories.region("city")
    agent.regions.set([city])
    customer = known_caller(city, "13800000001")

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        call_id = await _wrapping_up(h, agent, "13800000001")
        await h.advance(31)
        h.close()
        return call_id

    call = CallRecord.objects.get(call_id=run(scenario()))
    name = agent.display_name or agent.username
    assert _timeline(customer) == [
        ("call", f"Call answered by {name} · no disposition (wrap-up timed out)")
    ]
    services.call_wrap_up(call=call, by=agent, disposition=item, note="信号恢复")
    assert _timeline(customer) == [("call", f"Call answered by {name} · TV fault")]


def test_a_known_caller_who_hangs_up_before_an_answer_is_on_their_timeline(settings):
    from tests.routing.harness import known_caller

    settings.LANGUAGE_CODE = "en"
    configure(agents=1)
    city = factories.region("city")
    customer = known_caller(city, "13800000001")

    async def scenario():
        h = Harness()
        await h.start()
        channel = await h.call("13800000001", keys="1", think=1)
        await h.advance(1)
        await h.advance(12)  # queued, nobody ready
        h.switch.caller_hangup(channel)
        await h.drain()
        channel = await h.call("13800000001", keys="1", think=30)
        await h.advance(3)  # still in the voice menu
        h.switch.caller_hangup(channel)
        await h.drain()
        h.close()

    run(scenario())
    assert _timeline(customer) == [
        ("call", "Missed call: hung up after waiting 12 s in the queue"),
        ("call", "Called the hotline; left in the voice menu"),
    ]
