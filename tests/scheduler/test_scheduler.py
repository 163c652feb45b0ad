"""The scheduler enqueues each periodic job once per period, however many workers tick."""

from __future__ import annotations

import datetime
import itertools
import os
import signal

import pytest
from django_tasks_db.models import DBTaskResult

from hotline.scheduler.models import JobRunLog, ScheduledRun
from hotline.scheduler.registry import periodic_jobs
from hotline.scheduler.services import period_start, scheduler_tick
from tests.live import live_database, make_live_env, wait_for

UTC = datetime.UTC


def test_periods_are_aligned_so_every_worker_computes_the_same_one():
    minute = datetime.timedelta(minutes=1)
    at = datetime.datetime(2026, 11, 23, 8, 30, 59, 999000, tzinfo=UTC)
    assert period_start(at, minute) == datetime.datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert period_start(at + datetime.timedelta(milliseconds=1), minute) == datetime.datetime(
        2026, 11, 23, 8, 31, tzinfo=UTC
    )
    hour = datetime.timedelta(hours=1)
    assert period_start(at, hour) == datetime.datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.mark.django_db
def test_a_tick_enqueues_each_due_job_once_per_period():
    now = datetime.datetime(2026, 11, 23, 8, 30, 5, tzinfo=UTC)
    names = {job.name for job in periodic_jobs()}
    assert {"webhooks.sweep", "scheduler.heartbeat", "scheduler.prune"} <= names

    first = scheduler_tick(now=now, worker="a")
    assert set(first) == names
    # A second worker ticking in the same periods finds every one claimed.
    assert scheduler_tick(now=now + datetime.timedelta(seconds=20), worker="b") == []
    assert DBTaskResult.objects.count() == len(names)
    # The next minute: only the per-minute jobs are due again.
    later = scheduler_tick(now=now + datetime.timedelta(minutes=1), worker="b")
    per_minute = {j.name for j in periodic_jobs() if j.interval <= datetime.timedelta(minutes=1)}
    assert set(later) == per_minute
    run = ScheduledRun.objects.get(job="scheduler.prune")
    assert run.worker == "a"
    assert DBTaskResult.objects.filter(id=run.task_result_id).exists()


@pytest.mark.django_db
def test_missed_periods_are_not_caught_up_one_by_one():
    now = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    scheduler_tick(now=now)
    scheduler_tick(now=now + datetime.timedelta(hours=5))  # all workers were down for 5 h
    assert ScheduledRun.objects.filter(job="scheduler.prune").count() == 2


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    yield from live_database(tmp_path_factory.mktemp("scheddb"))


@pytest.mark.live
def test_two_workers_fire_each_period_once_and_one_killed_changes_nothing(database, tmp_path):
    """Two real `hotline worker` processes with a one-second heartbeat job; one is killed
    with SIGKILL half-way; every period runs exactly once, before and after the kill."""
    live = make_live_env(
        tmp_path,
        database.url,
        HOTLINE_SCHEDULE="scheduler.heartbeat=1",
        HOTLINE_SCHEDULER_TICK_MS="100",
    )

    def heartbeat_periods() -> list[str]:
        out = live.python(
            "from hotline.scheduler.models import JobRunLog\n"
            "for p in JobRunLog.objects.filter(job='scheduler.heartbeat')"
            ".order_by('period_start').values_list('period_start', flat=True):\n"
            "    print(p.isoformat())"
        )
        return out.split()

    try:
        first = live.start("worker", "--interval", "0.1")
        live.start("worker", "--interval", "0.1")
        wait_for(lambda: len(heartbeat_periods()) >= 3, timeout=60, what="three heartbeats")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        before_kill = len(heartbeat_periods())
        periods = wait_for(
            lambda: (p := heartbeat_periods()) and len(p) >= before_kill + 3 and p,
            timeout=60,
            what="three more heartbeats from the surviving worker",
        )
    finally:
        live.stop_all()
    assert len(periods) == len(set(periods)), f"a period ran twice: {periods}"
    seconds = [datetime.datetime.fromisoformat(p).timestamp() for p in periods]
    gaps = [b - a for a, b in itertools.pairwise(seconds)]
    # Periods follow each other; a gap of more than a few seconds would be a lost period.
    assert all(1 <= gap <= 3 for gap in gaps), gaps


@pytest.mark.django_db
def test_the_heartbeat_job_records_its_period():
    from hotline.scheduler.jobs import scheduler_heartbeat

    scheduler_heartbeat.call(period_start="2026-11-23T08:30:00+00:00")
    (log,) = JobRunLog.objects.all()
    assert log.period_start == datetime.datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_the_task_of_a_dead_worker_is_requeued_once_and_the_claim_is_audited():
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus

    from hotline.accounts.models import AuditEntry
    from hotline.scheduler.jobs import scheduler_heartbeat
    from hotline.scheduler.services import tasks_reap, worker_heartbeat, worker_id

    now = timezone.now()
    worker_heartbeat(now=now)  # this process is a live worker
    orphan = scheduler_heartbeat.enqueue(period_start="2026-11-23T08:00:00+00:00")
    busy = scheduler_heartbeat.enqueue(period_start="2026-11-23T08:01:00+00:00")
    two_minutes_ago = now - datetime.timedelta(minutes=2)
    DBTaskResult.objects.filter(pk=orphan.id).update(
        status=TaskResultStatus.RUNNING, started_at=two_minutes_ago, worker_ids=["gone:42"]
    )
    DBTaskResult.objects.filter(pk=busy.id).update(
        status=TaskResultStatus.RUNNING, started_at=two_minutes_ago, worker_ids=[worker_id()]
    )

    (requeued,) = tasks_reap(now=now)
    assert tasks_reap(now=now) == []  # a second reaper finds nothing left to claim

    assert DBTaskResult.objects.get(pk=orphan.id).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(pk=busy.id).status == TaskResultStatus.RUNNING
    copy = DBTaskResult.objects.get(pk=requeued)
    assert copy.status == TaskResultStatus.READY
    assert copy.args_kwargs == {"args": [], "kwargs": {"period_start": "2026-11-23T08:00:00+00:00"}}
    entry = AuditEntry.objects.get(object_id=str(orphan.id))
    assert entry.changes == {"status": ["RUNNING", "FAILED"], "requeued_as": requeued}
