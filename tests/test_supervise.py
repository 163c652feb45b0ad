"""``hotline run`` starts a child that stopped again, backing off while it keeps stopping."""

from __future__ import annotations

from hotline.supervise import Supervised


class FakeProcess:
    def __init__(self) -> None:
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code


def test_a_stopped_child_is_started_again_with_growing_then_reset_delays():
    clock = [0.0]
    started: list[FakeProcess] = []
    said: list[str] = []

    def start(command: list[str]) -> FakeProcess:
        started.append(FakeProcess())
        return started[-1]

    worker = Supervised(
        "worker", ["hotline", "worker"], start=start, now=lambda: clock[0], say=said.append
    )
    worker.start()
    worker.check()
    assert len(started) == 1  # running: nothing to do

    clock[0] = 5.0
    started[-1].code = 1  # dies soon after its start
    worker.check()
    assert len(started) == 1 and "worker stopped (exit code 1)" in said[-1]
    clock[0] = 6.0  # after the first delay of 1 s
    worker.check()
    assert len(started) == 2

    started[-1].code = -9  # dies again at once: the delay doubles
    worker.check()
    assert "again in 2 s" in said[-1]
    clock[0] = 7.0
    worker.check()
    assert len(started) == 2
    clock[0] = 8.0
    worker.check()
    assert len(started) == 3 and worker.restarts == 2

    clock[0] = 100.0  # ran a while: the next stop starts from the first delay again
    started[-1].code = 0
    worker.check()
    assert "again in 1 s" in said[-1]
