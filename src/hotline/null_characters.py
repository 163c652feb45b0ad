"""Requests whose address or form fields hold a NUL character are refused before any view.

PostgreSQL refuses NUL in text, so a NUL reaching a query or a write (a call id in the
address, a note typed into an order, a cause on an area fault) ended in a 500 there, and
SQLite stored it. No field of a page ever needs one, so one check covers every form: an
address holding one names nothing that exists (404), a form field holding one is 400 naming
the field. Searches keep their own rule (control characters separate words) and the API
checks its JSON itself, answering in its own error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

CODE = "null_character"


def _field_with_nul(request: HttpRequest) -> str | None:
    for name, values in request.POST.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    for name, files in request.FILES.lists():
        if "\x00" in name or any("\x00" in (upload.name or "") for upload in files):
            return name.replace("\x00", "")
    return None


def refusal(request: HttpRequest, field: str) -> HttpResponse:
    message = _("The field “%(field)s” contains a NUL character, which no text may hold.") % {
        "field": field
    }
    context = {"message": message, "code": CODE}
    if request.headers.get("HX-Request"):
        response = render(request, "_form_error.html", context, status=400)
    else:
        response = render(request, "400.html", context, status=400)
    response["X-Hotline-Error"] = CODE
    return response


class NullCharacterMiddleware:
    """404 for an address with a NUL in it, 400 for a form field holding one (after the CSRF
    check, so a forged form is still refused as such)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        if "\x00" in request.path_info:
            return render(request, "404.html", status=404)
        if request.method in {"POST", "PUT", "PATCH"}:
            field = _field_with_nul(request)
            if field is not None:
                return refusal(request, field)
        return None
