"""The writes of one switch event go in one transaction, in order, with the screen pop's
push before it; a write that fails is logged and the others are kept."""

from __future__ import annotations

import pytest

from hotline.routing import stores
from hotline.routing.models import AgentStateLog
from hotline.telephony.models import CallRecord
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_key_press_queues_offers_and_pops_in_one_write():
    (agent,) = configure(agents=1)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        await h.call("13912345678", keys="1", think=2, talk=30)
        calls: list[tuple[str, list[str], list[str]]] = []
        run_ = h.sb.db.run

        async def recording_run(fn, /, *args, **kwargs):
            if fn is stores.write_together:
                calls.append(
                    (
                        "together",
                        [f.__name__ for f, _kw in kwargs["first"]],
                        [
                            f"{f.__name__}:{kw.get('kind', kw.get('step', {}).get('kind', ''))}"
                            for f, kw in kwargs["writes"]
                        ],
                    )
                )
            else:
                calls.append((fn.__name__, [], []))
            return await run_(fn, *args, **kwargs)

        h.sb.db.run = recording_run
        await h.advance(2)  # the caller presses 1: IVR step, queued, agent rung
        h.close()
        return calls

    calls = run(scenario())
    assert calls == [
        (
            "together",
            ["offer_pop"],
            ["call_step:ivr", "call_step:queued", "offer_write:ringing"],
        )
    ]
    record = CallRecord.objects.get()
    assert list(record.steps.values_list("kind", flat=True)) == [
        "offered",
        "ivr",
        "ivr",
        "queued",
        "ringing",
    ]
    assert AgentStateLog.objects.filter(agent=agent, to_state="reserved").count() == 1


def test_a_failing_write_is_logged_and_the_others_are_kept(caplog):
    (agent,) = configure(agents=1)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    state = {
        "agent_id": agent.pk,
        "before": "logged_out",
        "after": "not_ready",
        "reason": "",
        "at": 1_800_000_000.0,
    }
    stores.write_together(
        first=[],
        writes=[
            (stores.agent_state_write, state),
            (broken, {}),
            (stores.agent_state_write, {**state, "before": "not_ready", "after": "ready"}),
        ],
    )

    assert list(AgentStateLog.objects.values_list("to_state", flat=True).order_by("id")) == [
        "not_ready",
        "ready",
    ]
    assert "switchboard write broken failed" in caplog.text
