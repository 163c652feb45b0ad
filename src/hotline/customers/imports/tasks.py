"""Background jobs of the customer import: they only fetch and call a service."""

from __future__ import annotations

from django_tasks import task

from hotline.customers.imports import services


@task()
def customer_import_run(job_id: int, step: str) -> int | None:
    """Check (``step="validate"``) or commit (``step="commit"``) an import job."""
    result = services.import_job_run(job_id=job_id, step=step)
    return result.rows if result else None
