"""Background jobs of the customer export: they only fetch and call a service."""

from __future__ import annotations

from django_tasks import task

from hotline.customers.exports import services


@task()
def customer_export_run(job_id: int) -> int | None:
    """Write an Excel export."""
    job = services.export_job_run(job_id=job_id)
    return job.processed_rows if job else None
