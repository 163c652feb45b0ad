"""Pages of the customer import (upload → mapping → dry run → commit) and the export."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from hotline.customers import exports, imports
from hotline.customers.models import ImportJob
from hotline.customers.transfer_forms import ImportMappingForm, ImportUploadForm, column_label


@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_job_create(
                user=request.user,
                upload=form.cleaned_data["file"],
                declared_encoding=form.cleaned_data["encoding"] or "",
                language=get_language() or "",
            )
        except imports.ImportFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("customers:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "customers/import.html",
        {"form": form, "page": page, "fields": imports.FIELDS},
        status=status,
    )


def _job_context(request: HttpRequest, job: ImportJob, form: ImportMappingForm | None = None):  # type: ignore[no-untyped-def]
    header, rows = imports.file_preview(job)
    if form is None:
        form = ImportMappingForm(header=header, mapping=job.mapping)
    mapped = {index: key for key, index in job.mapping.items()}
    return {
        "job": job,
        "form": form,
        "columns": [
            (column_label(i, title), imports.FIELDS_BY_KEY[mapped[i]].label if i in mapped else "")
            for i, title in enumerate(header)
        ],
        "rows": rows,
        "processed": imports.import_progress(job),
        "errors": imports.import_error_preview(job) if job.error_count else [],
        "encoding": imports.encoding_label(job.encoding) if job.encoding else "",
        "editable": not job.is_running and job.status != ImportJob.Status.DONE,
    }


@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page: mapping and preview, then progress and results.

    POST saves the mapping and starts the dry run ("check") or the commit ("import").
    An htmx request gets only the progress fragment, which polls while the job runs.
    """
    job = imports.get_import_job_for(request.user, pk)
    if request.headers.get("HX-Request"):
        context = {"job": job, "processed": imports.import_progress(job)}
        if not job.is_running:
            context["errors"] = imports.import_error_preview(job) if job.error_count else []
        return render(request, "customers/_import_progress.html", context)
    form = None
    if request.method == "POST":
        header, _rows = imports.file_preview(job, rows=0)
        form = ImportMappingForm(request.POST, header=header, mapping=job.mapping)
        if form.is_valid():
            try:
                with transaction.atomic():
                    imports.import_job_set_mapping(job=job, mapping=form.mapping())
                    imports.import_job_start(
                        job=job, dry_run=request.POST.get("action") != "import"
                    )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("customers:import_job", pk=job.pk)
        job.refresh_from_db()
    context = _job_context(request, job, form)
    return render(request, "customers/import_job.html", context, status=400 if form else 200)


@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
@require_POST
def import_job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a file whose dry run found no errors."""
    job = imports.get_import_job_for(request.user, pk)
    try:
        with transaction.atomic():
            imports.import_job_start(job=job, dry_run=False)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("customers:import_job", pk=job.pk)


@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
def import_job_errors(request: HttpRequest, pk: int) -> FileResponse:
    job = imports.get_import_job_for(request.user, pk)
    path = Path(job.error_report_path) if job.error_report_path else None
    if path is None or not path.exists() or not job.error_count:
        raise Http404("error report")
    name = f"{Path(job.original_name).stem}-errors.csv"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="text/csv; charset=utf-8"
    )


def _export_name(extension: str) -> str:
    return f"customers-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


async def _async_parts(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    pull = sync_to_async(next, thread_sensitive=True)
    while (part := await pull(parts, None)) is not None:
        yield part


def _body(request: HttpRequest, parts: Iterator[bytes]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """Streamed content that neither server buffers.

    Under ASGI Django would collect a synchronous iterator into one list before sending it;
    an asynchronous one that pulls each part in the request's thread streams for real.
    """
    if isinstance(request, ASGIRequest):
        return _async_parts(parts)
    return parts


def _file_parts(stream: IO[bytes], block: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := stream.read(block):
            yield chunk
    finally:
        stream.close()


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(exports.EXPORT_PERMISSION, raise_exception=True)
def customer_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The current customer search (``?q=``) as CSV (streamed) or Excel."""
    query = request.GET.get("q", "")
    if file_format == "csv":
        export = exports.CustomerExport(user=request.user, query=query)
        export.audit("csv")
        response = StreamingHttpResponse(
            _body(request, exports.csv_lines(export)), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, _export_name("csv"))
    if file_format == "xlsx":
        export = exports.CustomerExport(user=request.user, query=query, limit=exports.XLSX_MAX_ROWS)
        export.audit("xlsx")
        response = StreamingHttpResponse(
            _body(request, _file_parts(exports.xlsx_write(export))),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        return _attachment(response, _export_name("xlsx"))
    raise Http404("export format")
