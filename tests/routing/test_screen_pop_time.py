"""The screen pop says when the call was offered (site clock), so its delay can be measured."""

from __future__ import annotations

import pytest

from hotline.push.send import recorded_pushes
from tests.routing.harness import Harness, configure, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pop_carries_the_time_the_switchboard_offered_the_call():
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(first)
        with recorded_pushes() as pushes:
            await h.call("13912345678", keys="1", think=2, talk=30)
            await h.advance(2)  # the caller presses 1: offered to the ready agent at once
            offered_first = h.clock.now()
            await h.call("13912345679", keys="1", think=2, talk=30)
            await h.advance(2)  # nobody ready: this one waits
            await h.advance(5)
            await h.ready(second)  # offered when the second agent becomes ready
            offered_second = h.clock.now()
        h.close()
        return pushes, offered_first, offered_second

    pushes, offered_first, offered_second = run(scenario())
    offers = {p.group: p.data for p in pushes if p.event == "call.offered"}
    assert offers[f"agent.{first.pk}"]["offered_at"] == offered_first
    assert offers[f"agent.{second.pk}"]["offered_at"] == offered_second
    assert offered_second - offered_first == 7
