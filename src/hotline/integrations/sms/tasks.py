"""Background jobs of the SMS outbox: send on commit, and the periodic sweep."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

SWEEP_ROUNDS = 20


@task()
def sms_send() -> int:
    """Send what is due now (enqueued when a message is queued); return how many went out."""
    from hotline.integrations.sms.services import sms_send_due

    run = sms_send_due(now=timezone.now())
    return run.sent + run.delivered


@task()
def sms_sweep(period_start: str) -> dict[str, int]:
    """Send every due message whatever happened to the task that should have sent it (a
    worker killed after claiming, the gateway down), then collect delivery statuses."""
    from hotline.integrations.sms.services import sms_check_delivery, sms_send_due
    from hotline.scheduler.services import job_run_record

    totals = {"sent": 0, "delivered": 0, "retrying": 0, "failed": 0, "skipped": 0}
    for _round in range(SWEEP_ROUNDS):
        run = sms_send_due(now=timezone.now())
        for key in totals:
            totals[key] += getattr(run, key)
        if run.deferred or run.sent + run.delivered + run.retrying + run.failed + run.skipped == 0:
            break
    status = sms_check_delivery(now=timezone.now())
    totals["receipts_delivered"] = status.delivered
    totals["receipts_failed"] = status.failed
    job_run_record(job="sms.sweep", period_start=period_start, summary=totals)
    return totals
