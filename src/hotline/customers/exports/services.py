"""Exports that run in the background: an Excel file of any size, with progress in the job's
row and a download link when it is ready; the web process only queues the job.

The export is the requester's own (their regions, their masking, their language), computed
when the job runs; an unmasked export is audited then, once, with its row count.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.audit.context import audit_actor
from hotline.customers.exports.writing import CustomerExport, require_export, xlsx_write
from hotline.customers.imports.services import LEASE, worker_id
from hotline.customers.models import ExportJob

# Progress is written every this many rows (each a short transaction of its own).
PROGRESS_EVERY = 5000


def export_dir() -> Path:
    path = Path(settings.VAR_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_job_create(*, user: Any, query: str = "", language: str = "") -> ExportJob:
    """Queue an Excel export of the customers ``user`` finds with ``query``."""
    from hotline.customers.exports.tasks import customer_export_run

    require_export(user)
    job = ExportJob.objects.create(
        created_by=user,
        query=(query or "").strip()[:200],
        file_format=ExportJob.Format.XLSX,
        language=language[:10],
    )
    transaction.on_commit(lambda: customer_export_run.enqueue(job_id=job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the export (the background task's body); None if another worker has it."""
    me = worker_id()
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, worker=me, heartbeat_at=now
    ):
        return None
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    language = job.language or settings.LANGUAGE_CODE
    path = export_dir() / f"{uuid.uuid4().hex}.xlsx"
    try:
        with audit_actor(job.created_by), translation.override(language):
            export = CustomerExport(user=job.created_by, query=job.query)
            total = export.audit("xlsx")
            ExportJob.objects.filter(pk=job.pk).update(
                total_rows=total, unmasked=export.unmasked, heartbeat_at=timezone.now()
            )

            def progress(rows: int) -> None:
                ExportJob.objects.filter(pk=job.pk).update(
                    processed_rows=rows, heartbeat_at=timezone.now()
                )

            with path.open("wb") as target:
                written = xlsx_write(export, target, progress=progress, every=PROGRESS_EVERY)
            name = f"customers-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.xlsx"
    except Exception:
        path.unlink(missing_ok=True)
        with translation.override(language):
            message = _("The export stopped because of an internal error.")
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, message=message, finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        processed_rows=written,
        file_path=str(path),
        file_name=name,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def export_jobs_sweep(*, now: datetime.datetime | None = None) -> list[int]:
    """Fail exports whose worker stopped (heartbeat older than the lease); their ids."""
    now = now or timezone.now()
    stale = ExportJob.objects.filter(
        Q(heartbeat_at__lt=now - LEASE) | Q(heartbeat_at__isnull=True),
        status=ExportJob.Status.RUNNING,
    )
    failed = list(stale.values_list("pk", flat=True))
    ExportJob.objects.filter(pk__in=failed, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.FAILED,
        message=_("The export was interrupted (its worker stopped); start it again."),
        finished_at=now,
    )
    return failed


def get_export_job_for(user: Any, pk: int) -> ExportJob:
    """The export ``pk`` if ``user`` asked for it; 404 otherwise (even for a superuser: the
    file holds what its requester may see)."""
    require_export(user)
    job = ExportJob.objects.filter(pk=pk, created_by=user).first()
    if job is None:
        raise Http404("export")
    return job


def export_files_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete export files older than the import files' retention; their jobs say so."""
    now = now or timezone.now()
    ended = now - datetime.timedelta(days=settings.RETENTION["IMPORT_FILES_DAYS"])
    pruned = 0
    for job in ExportJob.objects.filter(finished_at__lt=ended).exclude(file_path=""):
        Path(job.file_path).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_path="")
        pruned += 1
    return pruned
