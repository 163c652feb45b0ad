"""Customer export pages: the current search as CSV (streamed), or as Excel through a
background job with its own page (progress, then the download)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import permission_required
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from hotline.customers.exports import services, writing
from hotline.customers.models import ExportJob


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


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(writing.EXPORT_PERMISSION, raise_exception=True)
@require_POST
def customer_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The current customer search (``q``) as CSV, streamed as it is read.

    A POST with the CSRF token: an audited export of personal data is never started by a
    link another site could make the browser follow. Excel cannot be streamed (a workbook
    is a ZIP written at the end): it is a background job (``export_create``).
    """
    query = request.POST.get("q", "")
    if file_format == "csv":
        export = writing.CustomerExport(user=request.user, query=query)
        export.audit("csv")
        response = StreamingHttpResponse(
            _body(request, writing.csv_lines(export)), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, _export_name("csv"))
    raise Http404("export format")


@permission_required(writing.EXPORT_PERMISSION, raise_exception=True)
@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    """Queue an Excel export of the current search; its page shows progress, then the file."""
    job = services.export_job_create(
        user=request.user, query=request.POST.get("q", ""), language=get_language() or ""
    )
    return redirect("customers:export_job", pk=job.pk)


@permission_required(writing.EXPORT_PERMISSION, raise_exception=True)
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's page; an htmx request gets the progress fragment, which polls until ready."""
    job = services.get_export_job_for(request.user, pk)
    template = (
        "customers/_export_progress.html"
        if request.headers.get("HX-Request")
        else "customers/export_job.html"
    )
    return render(request, template, {"job": job})


@permission_required(writing.EXPORT_PERMISSION, raise_exception=True)
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = services.get_export_job_for(request.user, pk)
    path = Path(job.file_path) if job.file_path else None
    if job.status != ExportJob.Status.DONE or path is None or not path.exists():
        raise Http404("export file")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
