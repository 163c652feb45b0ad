"""The writes of one switch event go in one transaction, in order, with the screen pop's
push on its own before it; a write that fails is logged and the others are kept; the
switchboard handles the next command while the last one's rows are being written, and a
command is answered only once its rows are committed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hotline.routing import stores
from hotline.routing.models import AgentStateLog, AgentStatus
from hotline.telephony.models import CallRecord
from hotline.telephony.simulated import CallerScript
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
        ask_ = h.sb.db.ask

        async def recording_ask(fn, /, *args, **kwargs):
            if fn is stores.write_together:
                calls.append(("at once", [f.__name__ for f, _kw in kwargs["first"]], []))
            return await ask_(fn, *args, **kwargs)

        h.sb.db.ask = recording_ask
        await h.advance(2)  # the caller presses 1: IVR step, queued, agent rung
        h.close()
        return calls

    calls = run(scenario())
    assert calls == [
        ("at once", ["offer_pop"], []),
        ("together", [], ["call_step:ivr", "call_step:queued", "offer_write:ringing"]),
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


def test_commands_are_handled_while_the_last_ones_rows_are_written(monkeypatch):
    """The writer's transaction holds no lock of the switchboard: with the database held up,
    a second agent's command changes the switchboard at once, and neither desk is answered
    before its rows are committed."""
    first, second = configure(agents=2)

    async def scenario():
        h = Harness()
        h.boundary = h.sb.db = type(h.boundary)(workers=2)
        await h.start()
        gate = threading.Event()
        held = threading.Event()
        write_together = stores.write_together

        def slow_write(*, first, writes):
            if writes and not gate.is_set():
                held.set()
                gate.wait(10)
            write_together(first=first, writes=writes)

        monkeypatch.setattr(stores, "write_together", slow_write)

        one = asyncio.ensure_future(h.sb.command({"op": "login", "agent": first.pk}))
        await asyncio.get_running_loop().run_in_executor(None, held.wait, 10)
        two = asyncio.ensure_future(h.sb.command({"op": "login", "agent": second.pk}))
        for _ in range(100):  # the second command goes through the lock while the first
            await asyncio.sleep(0)  # one's rows are still being written
            if h.state(second) == "not_ready":
                break
        during = (h.state(first), h.state(second), one.done(), two.done())
        rows_during = await asyncio.get_running_loop().run_in_executor(
            None, lambda: AgentStatus.objects.filter(state="not_ready").count()
        )
        gate.set()
        answers = await asyncio.gather(one, two)
        await h.sb.settle()
        h.close()
        return during, rows_during, answers

    during, rows_during, answers = run(scenario())
    assert during == ("not_ready", "not_ready", False, False)
    assert rows_during == 0
    assert [a["ok"] for a in answers] == [True, True]
    assert AgentStatus.objects.filter(state="not_ready").count() == 2
    assert list(
        AgentStateLog.objects.filter(to_state="not_ready")
        .order_by("id")
        .values_list("agent_id", flat=True)
    ) == [first.pk, second.pk]


def test_an_event_is_not_waited_for_but_settle_commits_its_rows_in_order():
    (agent,) = configure(agents=1)

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        h.switch.place_call("13912345678", "96655", CallerScript(keys="1", think=0, talk=30))
        queue = h.switch.events()
        while not queue.empty():
            await h.sb.handle(queue.get_nowait(), wait=False)
        pending = h.sb.writer.backlog + len(h.sb.pending)
        await h.sb.settle()
        h.close()
        return pending

    assert run(scenario()) > 0
    record = CallRecord.objects.get()
    assert list(record.steps.values_list("kind", flat=True))[:1] == ["offered"]


def test_pushes_alone_open_no_transaction(monkeypatch):
    """A pop pushed on its own (``first`` writes, nothing to write) must not open a
    transaction: on SQLite every transaction begins by taking the write lock."""
    opened: list[bool] = []
    atomic = stores.transaction.atomic

    def counting_atomic(*args, **kwargs):
        opened.append(True)
        return atomic(*args, **kwargs)

    monkeypatch.setattr(stores.transaction, "atomic", counting_atomic)
    pushed: list[int] = []

    stores.write_together(first=[(lambda **kw: pushed.append(kw["n"]), {"n": 1})], writes=[])

    assert pushed == [1]
    assert opened == []
