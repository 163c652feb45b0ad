"""What a user sees when something goes wrong: busy database, missing page, server error.

A write that waited its bounded time for the database lock (``hotline/db.py``) gets a 503
with a clear message instead of a 500, and the user keeps what they typed: an htmx request
gets a small fragment that ``hotline.js`` shows in the form's error area without touching the
form; a full-page POST gets a page that holds the submitted values and sends them again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hotline.db import is_lock_timeout

logger = logging.getLogger("hotline.errors")

BUSY_CODE = "busy"
RETRY_AFTER_SECONDS = 5
# Never written back into a page: secrets must be typed again, the CSRF token is renewed.
_NOT_KEPT = ("password", "csrfmiddlewaretoken")


def busy_message() -> str:
    return _(
        "The system is busy saving other work and could not save this in time. "
        "Nothing was saved; please try again in a moment."
    )


def _kept_fields(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """The submitted (name, value) pairs to send again, and whether some had to be left out."""
    kept: list[tuple[str, str]] = []
    dropped = bool(request.FILES)
    for name, values in request.POST.lists():
        if any(part in name.lower() for part in _NOT_KEPT):
            dropped = dropped or (name != "csrfmiddlewaretoken" and any(values))
            continue
        kept.extend((name, value) for value in values)
    return kept, dropped


def _same_site_referrer(request: HttpRequest) -> str:
    referrer = request.headers.get("Referer", "")
    parts = urlsplit(referrer)
    if referrer and parts.netloc == request.get_host() and parts.scheme in {"http", "https"}:
        return referrer
    return ""


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 for a request whose write could not get the database lock in time."""
    context: dict[str, Any] = {"message": busy_message(), "code": BUSY_CODE}
    if request.headers.get("HX-Request"):
        response = render(request, "_form_error.html", context, status=503)
    else:
        fields, dropped = _kept_fields(request) if request.method == "POST" else ([], False)
        context |= {
            "fields": fields,
            "visible": [value for name, value in fields if value and not name.startswith("_")],
            "dropped": dropped,
            "back": _same_site_referrer(request),
        }
        response = render(request, "503.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["X-Hotline-Error"] = BUSY_CODE
    return response


def _has_body(response: HttpResponse) -> bool:
    return bool(getattr(response, "streaming", False) or response.content)


class DatabaseBusyMiddleware:
    """Turn "the lock wait ran out" into a 503 the user can act on (never a silent 500), and
    an empty "method not allowed" into a page that says so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not _has_body(response):
            # Django's ``require_POST`` answers with an empty 405: say it in the user's
            # language instead of showing a blank page (the API answers JSON itself).
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_lock_timeout(exception):
            return None
        logger.warning("Database busy: %s %s (%s)", request.method, request.path, exception)
        return busy_response(request)
