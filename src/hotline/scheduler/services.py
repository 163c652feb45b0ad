"""The scheduler: claim due periods with a unique insert, enqueue, record what jobs did."""

from __future__ import annotations

import datetime
import logging
import os
import socket
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.scheduler.models import JobRunLog, ScheduledRun, WorkerHeartbeat
from hotline.scheduler.registry import periodic_jobs

logger = logging.getLogger(__name__)
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def period_start(now: datetime.datetime, every: datetime.timedelta) -> datetime.datetime:
    """The start of the period of length ``every`` that contains ``now`` (aligned to 2000-01-01
    UTC, so every worker computes the same periods)."""
    elapsed = (now - _EPOCH) // every
    return _EPOCH + elapsed * every


def scheduler_tick(*, now: datetime.datetime | None = None, worker: str = "") -> list[str]:
    """Enqueue every job whose current period nobody has claimed yet; return their names.

    1. For each job, compute the current period from ``now``.
    2. Skip it if a run for that period exists (a read: most ticks write nothing).
    3. Otherwise insert the run and enqueue the task in one short transaction; the unique
       (job, period_start) constraint makes a second worker's insert fail, so each period
       is enqueued once. Missed periods (all workers down) are not caught up: the next tick
       runs the job once for the current period.
    """
    now = now or timezone.now()
    fired = []
    for job in periodic_jobs():
        start = period_start(now, job.interval)
        if ScheduledRun.objects.filter(job=job.name, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    job=job.name, period_start=start, enqueued_at=now, worker=worker
                )
                result = job.task.enqueue(period_start=start.isoformat())
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another worker claimed this period first
        fired.append(job.name)
    return fired


def job_run_record(*, job: str, period_start: str, summary: dict[str, Any] | None = None) -> None:
    """Write what a periodic job did (called at the end of each periodic task)."""
    JobRunLog.objects.create(
        job=job,
        period_start=datetime.datetime.fromisoformat(period_start),
        worker=worker_id(),
        summary=summary or {},
    )


_worker_id: str | None = None


def worker_id() -> str:
    global _worker_id
    if _worker_id is None:
        _worker_id = f"{socket.gethostname()[:50]}:{os.getpid()}"
    return _worker_id


def worker_heartbeat(*, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker=worker_id()).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker=worker_id(),
            defaults={
                "hostname": socket.gethostname()[:200],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
            },
        )


def live_workers(*, now: datetime.datetime | None = None, within: int = 30) -> list[str]:
    now = now or timezone.now()
    since = now - datetime.timedelta(seconds=within)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=since).values_list("worker", flat=True))


REAP_AFTER = datetime.timedelta(seconds=60)


def tasks_reap(*, now: datetime.datetime | None = None) -> list[str]:
    """Re-queue the tasks that a dead worker was running; return the new task ids.

    A worker killed with SIGKILL leaves its task ``RUNNING`` forever. A task whose worker
    has sent no heartbeat for ``REAP_AFTER`` is marked failed (claimed with a conditional
    UPDATE, so two reapers never both re-queue it) and enqueued again; Hotline's tasks are
    idempotent (they re-read the state they act on), so running one again is safe.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from hotline.audit.record import audit_record

    now = now or timezone.now()
    alive = set(live_workers(now=now, within=int(REAP_AFTER.total_seconds())))
    requeued = []
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - REAP_AFTER
    )
    for task in stale.only("id", "worker_ids"):
        if task.worker_ids and task.worker_ids[-1] in alive:
            continue
        with transaction.atomic():
            claimed = DBTaskResult.objects.filter(
                pk=task.pk, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="hotline.scheduler.WorkerLost",
                traceback=f"worker {task.worker_ids[-1] if task.worker_ids else '?'} died",
            )
            if not claimed:
                continue
            old = DBTaskResult.objects.get(pk=task.pk)
            copy = DBTaskResult.objects.create(
                args_kwargs=old.args_kwargs,
                priority=old.priority,
                task_path=old.task_path,
                queue_name=old.queue_name,
                backend_name=old.backend_name,
                run_after=now,
            )
            audit_record(
                action="system",
                model="django_tasks_db.dbtaskresult",
                object_id=str(old.pk),
                object_repr=old.task_path[:200],
                changes={"status": ["RUNNING", "FAILED"], "requeued_as": str(copy.pk)},
            )
        requeued.append(str(copy.pk))
    return requeued
