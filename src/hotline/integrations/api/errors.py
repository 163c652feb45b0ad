"""One JSON shape for every API error: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable (clients branch on it); ``message`` is translated into the request's
language; ``fields`` lists, for a validation error, each field's problems as code + message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger("hotline.api")

# Stable code and translated message for each kind of failure.
MESSAGES: dict[str, Any] = {
    "invalid": _("The request contains invalid data."),
    "parse_error": _("The request body could not be read."),
    "nesting_too_deep": _("The JSON body is nested too deeply (at most 32 levels)."),
    "unpaired_surrogate": _(
        "A string in the JSON body holds half of a surrogate pair (such as \\ud800), "
        "which is no character."
    ),
    "duplicate_key": _("A JSON object in the body names the same key twice."),
    "request_too_large": _("The request body is too large."),
    "not_authenticated": _("Authentication is required: send an API token."),
    "invalid_token": _("The API token is not valid."),
    "token_revoked": _("The API token has been revoked."),
    "token_expired": _("The API token has expired."),
    "client_inactive": _("The API client is disabled."),
    "permission_denied": _("You do not have permission to do this."),
    "csrf_failed": _(
        "A signed-in browser must send the CSRF token (the X-CSRFToken header with the "
        "csrftoken cookie's value); other clients use an API token."
    ),
    "insufficient_scope": _("The API token lacks the scope this call needs."),
    "not_found": _("Not found."),
    "method_not_allowed": _("This method is not allowed here."),
    "not_acceptable": _("The requested response format is not available."),
    "unsupported_media_type": _("Send the request body as JSON."),
    "rate_limited": _("Too many requests; slow down and retry later."),
    "idempotency_conflict": _("This Idempotency-Key was already used with a different request."),
    "server_error": _("Something went wrong on our side."),
    "busy": _("The database is busy; nothing was saved. Retry in a moment."),
}


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"
    default_detail = MESSAGES["idempotency_conflict"]


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"
    default_detail = MESSAGES["insufficient_scope"]


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = MESSAGES["request_too_large"]


class DatabaseBusy(exceptions.APIException):
    """A lock could not be had in time: nothing was written, and a retry may succeed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"
    default_detail = MESSAGES["busy"]


class NestingTooDeep(exceptions.ParseError):
    default_code = "nesting_too_deep"
    default_detail = MESSAGES["nesting_too_deep"]


class UnpairedSurrogate(exceptions.ParseError):
    default_code = "unpaired_surrogate"
    default_detail = MESSAGES["unpaired_surrogate"]


class DuplicateKey(exceptions.ParseError):
    default_code = "duplicate_key"
    default_detail = MESSAGES["duplicate_key"]


# Codes that are their exception class's own ``default_code``.
_OWN_CODES = (
    InsufficientScope,
    IdempotencyConflict,
    RequestTooLarge,
    NestingTooDeep,
    UnpairedSurrogate,
    DuplicateKey,
)


def error_body(code: str, message: Any = None, fields: dict[str, Any] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": str(message or MESSAGES.get(code, code))}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _code_for(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, exceptions.Throttled):
        return "rate_limited"
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated"
    if isinstance(exc, _OWN_CODES):
        return str(exc.default_code)
    if isinstance(exc, exceptions.AuthenticationFailed):
        detail_code = exc.get_codes()
        return detail_code if detail_code in MESSAGES else "invalid_token"
    if isinstance(exc, exceptions.PermissionDenied):
        # DRF's session authentication refuses a write without the CSRF token this way.
        return "csrf_failed" if str(exc.detail).startswith("CSRF Failed") else "permission_denied"
    if isinstance(exc, exceptions.NotFound):
        return "not_found"
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "method_not_allowed"
    if isinstance(exc, exceptions.NotAcceptable):
        return "not_acceptable"
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "unsupported_media_type"
    if isinstance(exc, exceptions.ParseError):
        return "parse_error"
    return exc.default_code if exc.default_code in MESSAGES else "server_error"


def _field_errors(detail: Any) -> dict[str, Any]:
    """``{"field": [{"code": "required", "message": "…"}]}`` from DRF's error details."""
    if isinstance(detail, list):
        return {"non_field_errors": [_one(item) for item in detail]}
    result: dict[str, Any] = {}
    for field, problems in detail.items():
        if isinstance(problems, dict):
            for sub, sub_problems in _field_errors(problems).items():
                result[f"{field}.{sub}"] = sub_problems
        else:
            result[field] = [_one(item) for item in problems]
    return result


# DRF messages that DRF itself does not translate.
_UNTRANSLATED = {"No data provided": _("The request body is empty: send a JSON object.")}


def _one(item: Any) -> Any:
    if isinstance(item, exceptions.ErrorDetail):
        return {"code": item.code, "message": str(_UNTRANSLATED.get(str(item), item))}
    if isinstance(item, dict):
        return {key: _one(value) for key, value in item.items()}
    return {"code": "invalid", "message": str(item)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: the house error shape for every handled failure."""
    # Imported here: the authentication class imports this module while DRF's views load.
    from rest_framework.views import exception_handler

    from hotline.db import is_lock_timeout

    busy = is_lock_timeout(exc)
    if busy:
        exc = DatabaseBusy()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        # A bug, not a client error: log the traceback, answer in the API's shape.
        logger.error("API request failed", exc_info=exc)
        return Response(error_body("server_error"), status=500)
    code = _code_for(exc)
    fields = None
    message = MESSAGES.get(code)
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
    elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        message = _("Too many requests; retry in %(seconds)d seconds.") % {
            "seconds": int(exc.wait + 0.999)
        }
    response.data = error_body(code, message, fields)
    if busy:
        response["Retry-After"] = "2"
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown URLs under ``/api/`` answer in the API's shape, whatever the method.

    CSRF-exempt because it changes nothing: without that a POST would get Django's HTML
    "CSRF verification failed" page instead. A path that exists with a trailing slash is
    redirected there (308 keeps the method and body), as ``APPEND_SLASH`` would for a page.
    """
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            target = request.path + "/" + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(target, preserve_request=True)
    return JsonResponse(error_body("not_found"), status=404)
