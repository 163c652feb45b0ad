"""The scheduler's own periodic jobs: retention of its bookkeeping and of relayed pushes."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from hotline.batches import delete_in_batches
from hotline.scheduler.registry import register_periodic


@task()
def scheduler_prune(period_start: str) -> dict[str, int]:
    """Forget scheduler bookkeeping and relayed pushes older than their retention."""
    from hotline.push.models import PushMessage
    from hotline.scheduler.models import JobRunLog, ScheduledRun, WorkerHeartbeat
    from hotline.scheduler.services import job_run_record

    now = timezone.now()
    keep = timedelta(days=settings.RETENTION["SCHEDULER_DAYS"])
    summary = {
        "scheduled_runs": delete_in_batches(
            ScheduledRun.objects.filter(enqueued_at__lt=now - keep)
        ),
        "job_runs": delete_in_batches(JobRunLog.objects.filter(finished_at__lt=now - keep)),
        "workers": delete_in_batches(WorkerHeartbeat.objects.filter(seen_at__lt=now - keep)),
        "pushes": delete_in_batches(
            PushMessage.objects.filter(
                created_at__lt=now - timedelta(minutes=settings.RETENTION["PUSH_MINUTES"])
            )
        ),
    }
    job_run_record(job="scheduler.prune", period_start=period_start, summary=summary)
    return summary


@task()
def scheduler_heartbeat(period_start: str) -> str:
    """Proof of life: one row per period in the job log (the health page reads it)."""
    from hotline.scheduler.services import job_run_record, worker_id

    job_run_record(job="scheduler.heartbeat", period_start=period_start)
    return worker_id()


@task()
def scheduler_reap(period_start: str) -> list[str]:
    """Re-queue the tasks of workers that died while running them."""
    from hotline.scheduler.services import job_run_record, tasks_reap

    requeued = tasks_reap()
    job_run_record(
        job="scheduler.reap", period_start=period_start, summary={"requeued": len(requeued)}
    )
    return requeued


def register_builtin_jobs() -> None:
    register_periodic("scheduler.reap", scheduler_reap, every=datetime.timedelta(minutes=1))
    register_periodic("scheduler.prune", scheduler_prune, every=datetime.timedelta(hours=1))
    register_periodic(
        "scheduler.heartbeat", scheduler_heartbeat, every=datetime.timedelta(minutes=1)
    )
