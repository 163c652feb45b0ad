"""Team leads on agents' calls (listen, whisper, barge) and the live queue figures."""

from __future__ import annotations

import pytest

from hotline.push.send import recorded_pushes
from hotline.routing.bootstrap import SwitchboardService
from hotline.telephony.models import CallRecord
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_team_lead_listens_then_whispers_and_leaves_with_the_call():
    agent, lead = configure(agents=2)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        await h.call("13800000001", keys="1", think=1, talk=60)
        await h.advance(1)
        assert (await h.cmd(op="answer", agent=agent.pk))["ok"]
        listen = await h.cmd(op="listen", agent=agent.pk, by=lead.pk)
        assert listen["ok"] and listen["channel"] in h.switch.live
        whisper = await h.cmd(op="whisper", agent=agent.pk, by=lead.pk)
        # One mode at a time: whispering replaced listening.
        assert listen["channel"] not in h.switch.live and whisper["channel"] in h.switch.live
        assert [spy for _c, _s, spy in h.switch.snoops] == ["listen", "whisper"]
        await h.advance(60)  # the caller hangs up: the supervisor's channel goes too
        assert whisper["channel"] not in h.switch.live
        assert h.state(agent) == "wrap_up"
        refused = await h.cmd(op="barge", agent=agent.pk, by=lead.pk)
        assert refused == {"ok": False, "error": "no_call"} or refused["error"] == "not_talking"
        h.close()

    run(scenario())
    kinds = list(CallRecord.objects.get().steps.values_list("kind", flat=True))
    assert "supervisor_listen" in kinds and "supervisor_whisper" in kinds


def test_a_team_lead_stops_listening():
    agent, lead = configure(agents=2)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        await h.call("13800000001", keys="1", think=1, talk=60)
        await h.advance(1)
        await h.cmd(op="answer", agent=agent.pk)
        listen = await h.cmd(op="listen", agent=agent.pk, by=lead.pk)
        assert (await h.cmd(op="supervise_end", agent=agent.pk, by=lead.pk))["ok"]
        assert listen["channel"] not in h.switch.live
        assert h.state(agent) == "talking"  # the call goes on
        h.close()

    run(scenario())


def test_queue_figures_are_pushed_when_they_change_and_not_otherwise():
    configure(agents=1)

    async def scenario():
        h = Harness()
        await h.start()
        service = SwitchboardService(h.sb)
        with recorded_pushes() as pushes:
            await service._push_figures()
            service._figures_at = float("-inf")
            await service._push_figures()  # nothing changed: no push
            assert len(pushes) == 1
            await h.call("13800000001", keys="1", think=1)
            await h.advance(1)
            service._figures_at = float("-inf")
            await service._push_figures()
        h.close()
        return pushes

    pushes = run(scenario())
    pushes = [p for p in pushes if p.event == "queue.figures"]
    assert [p.group for p in pushes] == ["switchboard.queues"] * 2
    assert pushes[0].data["queues"]["tv"]["waiting"] == 0
    assert pushes[1].data["queues"]["tv"] == {
        "waiting": 1,
        "staffed": 0,
        "ready": 0,
        "oldest_wait": 0.0,
    }
