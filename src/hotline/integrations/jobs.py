"""Periodic jobs of the integration hub: the webhook and SMS sweeps, retention of API records."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from hotline.batches import delete_in_batches
from hotline.scheduler.registry import register_periodic


@task()
def webhooks_sweep(period_start: str) -> dict[str, int]:
    """Send every pending delivery that is due, whatever happened to the task that should have
    sent it (a worker killed after claiming it, a crash between commit and enqueue)."""
    from hotline.integrations.webhooks.services import webhook_sweep
    from hotline.scheduler.services import job_run_record

    run = webhook_sweep(now=timezone.now())
    totals = {key: getattr(run, key) for key in ("delivered", "retrying", "failed", "skipped")}
    job_run_record(job="webhooks.sweep", period_start=period_start, summary=totals)
    return totals


@task()
def integrations_prune(period_start: str) -> dict[str, int]:
    """Forget API request log entries and idempotency records past their retention."""
    from hotline.integrations.models import ApiRequestLog, IdempotencyRecord
    from hotline.scheduler.services import job_run_record

    now = timezone.now()
    days = settings.RETENTION["API_LOG_DAYS"]
    summary = {
        "api_log": delete_in_batches(
            ApiRequestLog.objects.filter(at__lt=now - timedelta(days=days))
        ),
        "idempotency": delete_in_batches(IdempotencyRecord.objects.filter(expires_at__lt=now)),
    }
    job_run_record(job="integrations.prune", period_start=period_start, summary=summary)
    return summary


def register_jobs() -> None:
    register_periodic("webhooks.sweep", webhooks_sweep, every=timedelta(minutes=1))
    register_periodic("integrations.prune", integrations_prune, every=timedelta(hours=1))

    from hotline.integrations.sms.tasks import sms_sweep

    register_periodic("sms.sweep", sms_sweep, every=timedelta(seconds=30))
