"""Customer import services: open a job for an upload, set its mapping, run, cancel, sweep.

A job goes through: upload (the file is stored and inspected: format, encoding, delimiter,
header and first rows) → mapping (which column holds which Hotline field, guessed from the
header) → a pass over the whole file, either a dry run that only checks, or the commit that
checks and writes. Either pass streams the file, so memory stays bounded whatever its size.

The commit writes in short transactions (SQLite's write lock is shared with agents' pages
and the switchboard), yet is all or nothing as users see it: its rows carry the job's id and
every query on those models hides them (``ImportJob.rows_hidden``) until one small
transaction marks the job done. A failed or cancelled commit deletes its rows again in short
transactions; a commit whose worker died is found by ``import_jobs_sweep`` (heartbeat and
process id) and cleaned the same way. Progress lives in the job's row, written in its own
short transactions, so every process sees it move.

The package is split by job: ``reading`` (file inspection, encodings, rows), ``mapping``
(fields and the header guess), ``checks`` (the row checker), ``writing`` (bulk writer and
clean-up), ``passes`` (one pass over the file), ``report`` (the error report), this module,
``views``, ``forms`` and ``tasks``.
"""

from __future__ import annotations

import datetime
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.audit.context import audit_actor
from hotline.audit.record import audit_record
from hotline.customers.imports.mapping import guess_mapping, mapping_problems
from hotline.customers.imports.passes import MAX_ERRORS, JobGone, PassResult, run_pass
from hotline.customers.imports.reading import (
    MAX_UPLOAD_BYTES,
    ImportFileError,
    file_inspect,
    file_preview,
    import_dir,
)
from hotline.customers.imports.writing import rows_remove
from hotline.customers.models import Customer, ImportJob
from hotline.events import publish

IMPORT_PERMISSION = "customers.import_customer"
# A running job whose heartbeat is older than this is taken to be dead (its worker updates
# it every second or so while it works).
LEASE = datetime.timedelta(seconds=60)
# A queued job that no worker started within this time is failed by the sweep.
QUEUE_TIMEOUT = datetime.timedelta(hours=6)
# Progress of a pass is written at most this often (seconds).
PROGRESS_EVERY = 0.5

Status = ImportJob.Status


def worker_id() -> str:
    """This process, as the job's ``worker`` column names it: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _require_import(user: Any) -> None:
    if not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied(IMPORT_PERMISSION)


def import_job_create(
    *, user: Any, upload: UploadedFile, declared_encoding: str = "", language: str = ""
) -> ImportJob:
    """Store an uploaded file and open an import job for it, with a guessed column mapping.

    Raises ``ImportFileError`` (and keeps nothing) when the file cannot be imported at all.
    """
    _require_import(user)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            "too_big",
            _("The file is too large: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
        )
    original = os.path.basename(upload.name or "upload")[:255]
    # The stored file is named for what its bytes are (the reader decides by them too):
    # openpyxl refuses to open a workbook whose name does not end in .xlsx, so a workbook
    # uploaded as "customers" or "customers.csv" was called damaged.
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    suffix = ".xlsx" if head == b"PK\x03\x04" else ".csv"
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    try:
        info = file_inspect(path, declared_encoding=declared_encoding)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        file_path=str(path),
        original_name=original,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        preview={"header": list(info.header), "rows": [list(row) for row in info.rows]},
        total_rows=info.estimated_rows,
        mapping=guess_mapping(list(info.header)),
        created_by=user,
        language=language[:10],
    )


def _columns_of(job: ImportJob) -> int:
    return len(file_preview(job)[0])


def import_job_set_mapping(*, job: ImportJob, mapping: dict[str, int]) -> ImportJob:
    """Save the column mapping; a job already checked goes back to "uploaded"."""
    if job.is_running or job.status in {Status.DONE, Status.CANCELLED} or job.rows_hidden:
        raise ValidationError(_("This import can no longer be changed."))
    problems = mapping_problems(mapping, _columns_of(job))
    if problems:
        raise ValidationError(problems)
    job.mapping = mapping
    job.status = Status.UPLOADED
    job.error_count = 0
    job.processed_rows = 0
    job.message = ""
    job.save(update_fields=["mapping", "status", "error_count", "processed_rows", "message"])
    return job


def _startable(*, commit: bool) -> Q:
    startable = Q(status=Status.UPLOADED) | Q(status=Status.VALIDATED)
    if commit:
        # A dry run that found errors must be fixed (new upload) before anything is written.
        startable &= ~Q(status=Status.VALIDATED, error_count__gt=0)
    return startable & Q(rows_hidden=False)


def import_job_start(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the dry run or the commit of ``job`` in the background (after this transaction).

    The commit refuses a job whose dry run found errors; either step is claimed with a
    conditional update, so a double click starts it once.
    """
    from hotline.customers.imports.tasks import customer_import_run

    if job.status == Status.VALIDATED and job.error_count and not dry_run:
        raise ValidationError(_("Fix the errors in the file and upload it again."))
    problems = mapping_problems(job.mapping, _columns_of(job))
    if problems:
        raise ValidationError(problems)
    claimed = ImportJob.objects.filter(_startable(commit=not dry_run), pk=job.pk).update(
        status=Status.VALIDATING if dry_run else Status.IMPORTING,
        dry_run=dry_run,
        processed_rows=0,
        error_count=0,
        imported_count=0,
        message="",
        worker="",
        heartbeat_at=None,
        cancel_requested=False,
        started_at=timezone.now(),
        finished_at=None,
    )
    if not claimed:
        raise ValidationError(_("This import is already running or finished."))
    job.refresh_from_db()
    step = "validate" if dry_run else "commit"
    transaction.on_commit(lambda: customer_import_run.enqueue(job_id=job.pk, step=step))
    return job


def import_job_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    """Stop a job: one not yet started is cancelled at once; a running one is asked to stop
    (its worker notices within a second and removes what it wrote)."""
    now = timezone.now()
    waiting = Q(status__in=[Status.UPLOADED, Status.VALIDATED]) | Q(
        status__in=ImportJob.RUNNING, worker=""
    )
    with transaction.atomic():
        cancelled = ImportJob.objects.filter(waiting, pk=job.pk).update(
            status=Status.CANCELLED, rows_hidden=False, finished_at=now
        )
        asked = cancelled or ImportJob.objects.filter(
            pk=job.pk, status__in=ImportJob.RUNNING
        ).update(cancel_requested=True)
        if not asked:
            raise ValidationError(_("This import has finished; it can no longer be cancelled."))
        audit_record(
            action="update",
            obj=job,
            changes={"status": [job.status, Status.CANCELLED], "by": getattr(by, "pk", None)},
        )
    job.refresh_from_db()
    return job


class JobProgress:
    """Writes a running job's progress and heartbeat into its row.

    Each write is conditional on the job still being this worker's and not cancelled; when it
    is not, ``JobGone`` stops the pass.
    """

    def __init__(self, job: ImportJob, *, clock: Any = time.monotonic) -> None:
        self.job = job
        self.me = job.worker
        self.clock = clock
        self.last = clock()

    def _update(self, **values: Any) -> None:
        mine = ImportJob.objects.filter(pk=self.job.pk, worker=self.me, cancel_requested=False)
        if not mine.update(heartbeat_at=timezone.now(), **values):
            raise JobGone
        self.last = self.clock()

    def checked(self, rows: int) -> None:
        if self.clock() - self.last >= PROGRESS_EVERY:
            self._update(processed_rows=rows)

    def written(self, rows: int, imported: int) -> None:
        self._update(processed_rows=rows, imported_count=imported)


def _claim(job: ImportJob, *, commit: bool) -> bool:
    """Make ``job`` this process's to run: a queued step, or (called directly) a job that
    may start. False when another process has it or it may not run."""
    status = Status.IMPORTING if commit else Status.VALIDATING
    me = worker_id()
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        Q(status=status, worker="") | _startable(commit=commit), pk=job.pk
    ).update(
        status=status,
        dry_run=not commit,
        worker=me,
        heartbeat_at=now,
        rows_hidden=commit,
        processed_rows=0,
        error_count=0,
        imported_count=0,
        message="",
        finished_at=None,
    )
    if claimed:
        job.refresh_from_db()
        if job.started_at is None:
            job.started_at = now
            job.save(update_fields=["started_at"])
    return bool(claimed)


def _finish(job: ImportJob, result: PassResult, status: str, message: str = "") -> None:
    job.status = status
    job.total_rows = result.rows
    job.processed_rows = result.rows
    job.error_count = result.errors
    job.imported_count = result.imported if status == Status.DONE else 0
    job.message = message[:500]
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "total_rows",
            "processed_rows",
            "error_count",
            "imported_count",
            "message",
            "finished_at",
            "error_report_path",
        ]
    )


def _stopped_message(result: PassResult) -> str:
    if result.stopped_early:
        return _("The check stopped after %(n)d errors: fix these and upload the file again.") % {
            "n": MAX_ERRORS
        }
    return ""


class _Planner:
    """On PostgreSQL, the statistics of a table being filled predate the rows just added, and
    the planner would scan the growing table for each batch's duplicate check."""

    def __enter__(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET enable_seqscan = off")

    def __exit__(self, *exc: object) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_seqscan")


def import_validate(*, job: ImportJob) -> PassResult | None:
    """The dry run: check every row, write the error report, change no customer.

    A dry run that finds errors is "checked, N errors found"; nothing failed.
    """
    if not _claim(job, commit=False):
        return None
    try:
        with _Planner():
            result = run_pass(job, write=False, progress=JobProgress(job))
    except JobGone:
        _after_stop(job)
        return None
    except Exception:
        _fail(job)
        raise
    _finish(job, result, Status.VALIDATED, _stopped_message(result))
    return result


def import_commit(*, job: ImportJob) -> PassResult | None:
    """Check every row again and write them in short transactions; all or nothing as users
    see it (the rows stay hidden until the job is done, and are removed if it is not).

    Checks run again because the database may have changed since the dry run (a customer
    added, a region moved out of the importer's scope).
    """
    if not _claim(job, commit=True):
        return None
    try:
        with _Planner():
            result = run_pass(job, write=True, progress=JobProgress(job))
    except JobGone:
        _after_stop(job)
        return None
    except Exception:
        _fail(job)
        raise
    if result.errors:
        _finish(job, result, Status.FAILED, _stopped_message(result))
        import_rows_cleanup(job=job)
        return result
    with transaction.atomic():
        done = ImportJob.objects.filter(
            pk=job.pk, worker=job.worker, status=Status.IMPORTING, cancel_requested=False
        ).update(
            status=Status.DONE,
            rows_hidden=False,
            total_rows=result.rows,
            processed_rows=result.rows,
            error_count=0,
            imported_count=result.imported,
            finished_at=timezone.now(),
            error_report_path=job.error_report_path,
        )
        if done:
            audit_record(
                action="system",
                model=Customer._meta.label_lower,
                object_id=str(job.pk),
                object_repr=f"import {job.original_name}: {result.imported} customers"[:200],
                changes={
                    "import_job": job.pk,
                    "file": job.original_name,
                    "rows": result.rows,
                    "customers": result.imported,
                },
            )
            # One event for the whole file: a million per-customer events would flood every
            # subscriber; they can read the job's customers (``import_job``) if they need them.
            publish(
                "customer_import.done",
                {"import_job": job.pk, "file": job.original_name, "customers": result.imported},
            )
    if not done:
        _after_stop(job)
        return None
    job.refresh_from_db()
    return result


def _after_stop(job: ImportJob) -> None:
    """The pass stopped because the job was cancelled (or taken over by the sweep)."""
    job.refresh_from_db()
    if job.worker != worker_id():
        return  # the sweep took it over and finishes it
    if job.is_running:
        ImportJob.objects.filter(pk=job.pk, worker=job.worker).update(
            status=Status.CANCELLED, finished_at=timezone.now(), imported_count=0
        )
    import_rows_cleanup(job=job)


def _fail(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk, worker=worker_id()).update(
        status=Status.FAILED,
        message=_("The import stopped because of an internal error; nothing was imported."),
        imported_count=0,
        finished_at=timezone.now(),
    )
    import_rows_cleanup(job=job)


def import_rows_cleanup(*, job: ImportJob) -> int:
    """Delete every row ``job`` wrote, in short transactions, then let its row say so.

    Runs in the process that holds the job (``worker``), heartbeating as it goes, so the sweep
    leaves it alone; it stops if the job is taken over.
    """
    job.refresh_from_db()
    if not job.rows_hidden or job.status == Status.DONE:
        return 0
    me = worker_id()
    if job.worker != me:
        return 0

    def alive() -> bool:
        mine = ImportJob.objects.filter(pk=job.pk, worker=me)
        if not mine.update(heartbeat_at=timezone.now()):
            raise JobGone
        return True

    try:
        removed = rows_remove(job_id=job.pk, alive=alive)
    except JobGone:
        return 0
    ImportJob.objects.filter(pk=job.pk, worker=me).update(rows_hidden=False, imported_count=0)
    job.refresh_from_db()
    return removed


def import_job_run(*, job_id: int, step: str) -> PassResult | None:
    """Run one step of a job (the background task's body), as its uploader, in their language."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return None
    language = job.language or settings.LANGUAGE_CODE
    with audit_actor(job.created_by), translation.override(language):
        if step == "validate":
            return import_validate(job=job)
        return import_commit(job=job)


# --- The sweep -----------------------------------------------------------------------------


def _pid_gone(pid: int) -> bool:
    """True if no live process has ``pid`` (a zombie, killed but not yet reaped, is gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _worker_gone(job: ImportJob, now: datetime.datetime) -> bool:
    if job.heartbeat_at is None or job.heartbeat_at < now - LEASE:
        return True
    host, _sep, pid = job.worker.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and _pid_gone(int(pid))


@dataclass
class SweepResult:
    interrupted: list[int] = field(default_factory=list)
    cleaned: list[int] = field(default_factory=list)
    never_started: list[int] = field(default_factory=list)


def import_jobs_sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Finish the import jobs whose worker is gone; safe to run anywhere, any time, often.

    1. A running job whose worker died (its process is gone from this machine, or its
       heartbeat is older than ``LEASE``) is taken over with a conditional update, marked
       failed (or cancelled, if that was asked), and the rows it wrote are deleted.
    2. A failed or cancelled commit whose clean-up was interrupted is cleaned the same way.
    3. A job queued longer than ``QUEUE_TIMEOUT`` that no worker started is failed.
    """
    now = now or timezone.now()
    result = SweepResult()
    me = worker_id()
    held = ImportJob.objects.filter(
        Q(status__in=ImportJob.RUNNING) & ~Q(worker="")
        | Q(rows_hidden=True, status__in=[Status.FAILED, Status.CANCELLED])
    ).select_related("created_by")
    for job in held:
        if not _worker_gone(job, now):
            continue
        took = ImportJob.objects.filter(
            pk=job.pk, worker=job.worker, heartbeat_at=job.heartbeat_at
        ).update(worker=me, heartbeat_at=timezone.now())
        if not took:
            continue
        language = job.language or settings.LANGUAGE_CODE
        with audit_actor(job.created_by), translation.override(language):
            if job.is_running:
                cancelled = job.cancel_requested
                ImportJob.objects.filter(pk=job.pk).update(
                    status=Status.CANCELLED if cancelled else Status.FAILED,
                    message=""
                    if cancelled
                    else _(
                        "The import was interrupted (its worker stopped); nothing was imported."
                    ),
                    imported_count=0,
                    finished_at=now,
                )
                result.interrupted.append(job.pk)
            if job.rows_hidden:
                import_rows_cleanup(job=job)
                result.cleaned.append(job.pk)
    queued = ImportJob.objects.filter(
        status__in=ImportJob.RUNNING, worker="", started_at__lt=now - QUEUE_TIMEOUT
    )
    for pk in list(queued.values_list("pk", flat=True)):
        if ImportJob.objects.filter(pk=pk, worker="", status__in=ImportJob.RUNNING).update(
            status=Status.FAILED,
            rows_hidden=False,
            message=_("The import never started: no background worker took it."),
            finished_at=now,
        ):
            result.never_started.append(pk)
    return result


# --- Reading a job ---------------------------------------------------------------------------


def get_import_job_for(user: Any, pk: int) -> ImportJob:
    """The job ``pk`` if ``user`` uploaded it (or is a superuser); 404 otherwise."""
    _require_import(user)
    jobs = (
        ImportJob.objects.all() if user.is_superuser else ImportJob.objects.filter(created_by=user)
    )
    job = jobs.filter(pk=pk).first()
    if job is None:
        raise Http404("import")
    return job


def import_files_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored uploads and error reports of jobs that ended more than
    ``RETENTION["IMPORT_FILES_DAYS"]`` ago (the job rows stay, with their preview and counts);
    returns how many jobs lost their files."""
    now = now or timezone.now()
    ended = now - datetime.timedelta(days=settings.RETENTION["IMPORT_FILES_DAYS"])
    jobs = ImportJob.objects.filter(finished_at__lt=ended, rows_hidden=False).exclude(
        file_path="", error_report_path=""
    )
    pruned = 0
    for job in jobs.exclude(status__in=ImportJob.RUNNING).only(
        "pk", "file_path", "error_report_path"
    ):
        for name in (job.file_path, job.error_report_path):
            if name:
                Path(name).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(file_path="", error_report_path="")
        pruned += 1
    return pruned
