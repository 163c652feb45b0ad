"""Periodic jobs of the customers app: finish imports and exports whose worker died, and
forget their files after the retention period."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from hotline.scheduler.registry import register_periodic


@task()
def customer_transfers_sweep(period_start: str) -> dict[str, int]:
    """Fail and clean the imports (and fail the exports) whose worker stopped."""
    from hotline.customers.exports.services import export_jobs_sweep
    from hotline.customers.imports.services import import_jobs_sweep
    from hotline.scheduler.services import job_run_record

    imports = import_jobs_sweep(now=timezone.now())
    summary = {
        "imports_interrupted": len(imports.interrupted),
        "imports_cleaned": len(imports.cleaned),
        "imports_never_started": len(imports.never_started),
        "exports_failed": len(export_jobs_sweep()),
    }
    job_run_record(job="customers.transfers_sweep", period_start=period_start, summary=summary)
    return summary


@task()
def customer_files_prune(period_start: str) -> dict[str, int]:
    """Delete uploaded import files, error reports and export files past their retention."""
    from hotline.customers.exports.services import export_files_prune
    from hotline.customers.imports.services import import_files_prune
    from hotline.scheduler.services import job_run_record

    summary = {"imports": import_files_prune(), "exports": export_files_prune()}
    job_run_record(job="customers.files_prune", period_start=period_start, summary=summary)
    return summary


def register_jobs() -> None:
    register_periodic(
        "customers.transfers_sweep", customer_transfers_sweep, every=timedelta(minutes=1)
    )
    register_periodic("customers.files_prune", customer_files_prune, every=timedelta(hours=1))
