"""Long jobs' write transactions: sized by measured time, spaced by a pause."""

from __future__ import annotations

import random

from hotline.pacing import WritePacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _pacer(clock: Clock, **kwargs) -> WritePacer:
    return WritePacer(
        hold=0.040,
        gap=(0.025, 0.040),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(1),
        **kwargs,
    )


def test_a_slow_transaction_shrinks_the_next_one_at_once():
    clock = Clock()
    pacer = _pacer(clock, rows=1000)
    pacer.record(1000, 0.200)  # five times the target
    assert pacer.rows == 200


def test_fast_transactions_grow_at_most_twofold_each_time():
    clock = Clock()
    pacer = _pacer(clock, rows=100)
    pacer.record(100, 0.001)
    assert pacer.rows == 200
    pacer.record(200, 0.002)
    assert pacer.rows == 400


def test_size_settles_where_a_transaction_takes_the_target_time():
    clock = Clock()
    pacer = _pacer(clock, rows=50)
    for _ in range(20):
        pacer.record(pacer.rows, pacer.rows * 0.0001)  # 0.1 ms per row
    assert 380 <= pacer.rows <= 400


def test_the_next_transaction_waits_out_a_randomised_pause():
    clock = Clock()
    pacer = _pacer(clock)
    pacer.record(10, 0.01)
    assert not pacer.ready()
    pacer.pause()
    assert 0.025 <= clock.slept[-1] <= 0.040
    assert pacer.ready()
    pauses = set()
    for _ in range(5):
        pacer.record(10, 0.01)
        pacer.pause()
        pauses.add(round(clock.slept[-1], 6))
    assert len(pauses) > 1  # never in step with a waiting writer's retries


def test_work_done_during_the_pause_shortens_the_sleep():
    clock = Clock()
    pacer = _pacer(clock)
    pacer.record(10, 0.01)
    clock.now += 0.020  # reading and checking rows meanwhile
    pacer.pause()
    assert clock.slept[-1] <= 0.020


def test_size_stays_within_its_bounds():
    clock = Clock()
    pacer = _pacer(clock, rows=20, low=10, high=100)
    pacer.record(20, 10.0)
    assert pacer.rows == 10
    for _ in range(10):
        pacer.record(pacer.rows, 0.0001)
    assert pacer.rows == 100
