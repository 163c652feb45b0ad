"""Pages of the customer import: upload → mapping → dry run → commit, and the error report.

The job page only reads the job's row (its preview was stored at upload): opening it or
polling its progress never reads the file or starts any work.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from hotline.customers.imports import mapping, reading, report, services
from hotline.customers.imports.forms import ImportMappingForm, ImportUploadForm, column_label
from hotline.customers.models import ImportJob


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                user=request.user,
                upload=form.cleaned_data["file"],
                declared_encoding=form.cleaned_data["encoding"] or "",
                language=get_language() or "",
            )
        except reading.ImportFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("customers:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "customers/import.html",
        {"form": form, "page": page, "fields": mapping.FIELDS},
        status=status,
    )


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty CSV file whose header names every field the import reads (in the reader's
    language, which the mapping guess recognises), with one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(field.label) for field in mapping.FIELDS])
    writer.writerow([mapping.TEMPLATE_EXAMPLE.get(field.key, "") for field in mapping.FIELDS])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="customers-template.csv"'
    return response


def _progress_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "errors": report.report_rows(job) if job.error_count and not job.is_running else [],
    }


def _job_context(job: ImportJob, form: ImportMappingForm | None = None) -> dict:
    header, rows = reading.file_preview(job)
    if form is None:
        form = ImportMappingForm(header=header, mapping=job.mapping)
    mapped = {index: key for key, index in job.mapping.items()}
    return {
        **_progress_context(job),
        "form": form,
        "columns": [
            (column_label(i, title), mapping.FIELDS_BY_KEY[mapped[i]].label if i in mapped else "")
            for i, title in enumerate(header)
        ],
        "rows": rows,
        "encoding": reading.encoding_label(job.encoding) if job.encoding else "",
        "editable": job.status in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}
        and not job.rows_hidden,
    }


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page: mapping and preview, then progress and results.

    POST saves the mapping and starts the dry run ("check") or the commit ("import").
    An htmx request gets only the progress fragment, which polls while the job runs.
    """
    job = services.get_import_job_for(request.user, pk)
    if request.headers.get("HX-Request"):
        return render(request, "customers/_import_progress.html", _progress_context(job))
    form = None
    if request.method == "POST":
        header, _rows = reading.file_preview(job)
        form = ImportMappingForm(request.POST, header=header, mapping=job.mapping)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.import_job_set_mapping(job=job, mapping=form.mapping())
                    services.import_job_start(
                        job=job, dry_run=request.POST.get("action") != "import"
                    )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("customers:import_job", pk=job.pk)
        job.refresh_from_db()
    context = _job_context(job, form)
    return render(request, "customers/import_job.html", context, status=400 if form else 200)


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
@require_POST
def import_job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a file whose dry run found no errors."""
    job = services.get_import_job_for(request.user, pk)
    try:
        with transaction.atomic():
            services.import_job_start(job=job, dry_run=False)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("customers:import_job", pk=job.pk)


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
@require_POST
def import_job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a job; whatever it wrote is removed."""
    job = services.get_import_job_for(request.user, pk)
    try:
        services.import_job_cancel(job=job, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.headers.get("HX-Request"):
        job.refresh_from_db()
        return render(request, "customers/_import_progress.html", _progress_context(job))
    return redirect("customers:import_job", pk=job.pk)


@permission_required(services.IMPORT_PERMISSION, raise_exception=True)
def import_job_errors(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The error report as CSV, its reasons in the reader's language."""
    job = services.get_import_job_for(request.user, pk)
    path = Path(job.error_report_path) if job.error_report_path else None
    if path is None or not path.exists() or not job.error_count:
        raise Http404("error report")
    response = StreamingHttpResponse(report.report_csv(job), content_type="text/csv; charset=utf-8")
    name = f"{Path(job.original_name).stem}-errors.csv"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
