"""Background jobs of the work-order app (only fetch and call a service)."""

from __future__ import annotations

from django_tasks import task


@task()
def tickets_timers(period_start: str) -> dict[str, int]:
    """Fire the due order timers (reassign, escalate, warn, breach)."""
    from hotline.scheduler.services import job_run_record, worker_id
    from hotline.tickets.services.deadlines import sla_recompute_provisional
    from hotline.tickets.services.timers import timers_run

    summary = timers_run(worker=worker_id())
    summary["recomputed"] = sla_recompute_provisional()
    job_run_record(job="tickets.timers", period_start=period_start, summary=summary)
    return summary


@task()
def tickets_area_fault_resolve(fault_id: int, user_id: int | None, note: str) -> int:
    """Resolve the reports linked to an area fault in short batches."""
    from hotline.tickets.services.faults import area_fault_resolve_reports

    return area_fault_resolve_reports(fault_id=fault_id, user_id=user_id, note=note)


@task()
def tickets_area_fault_boss(fault_id: int) -> str:
    """Tell BOSS of a declared area fault (retried by BOSS's idempotency key, not twice)."""
    from hotline.tickets.services.faults import area_fault_notify_boss

    return area_fault_notify_boss(fault_id=fault_id)
