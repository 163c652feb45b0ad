"""API endpoints (thin: parse, call a selector or service, render).

Every call is written to ``ApiRequestLog``; changes reach the audit log through the audited
models, attributed to the token's acting user; unmasked personal data returned by a read is
logged as a ``reveal``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.accounts.net import client_ip
from hotline.audit.context import audit_actor
from hotline.audit.masking import mask_id_number, mask_phone
from hotline.audit.record import audit_record
from hotline.customers import selectors
from hotline.customers import services as customer_services
from hotline.customers.models import Customer
from hotline.db import is_lock_timeout
from hotline.integrations.api import serializers as s
from hotline.integrations.api.authentication import ApiTokenAuthenticationScheme  # noqa: F401
from hotline.integrations.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from hotline.integrations.api.idempotency import MAX_KEY_LENGTH, idempotent, masked_on_replay
from hotline.integrations.api.permissions import may_unmask, token_of
from hotline.integrations.models import ApiRequestLog, WebhookEndpoint
from hotline.integrations.webhooks.services import webhook_endpoint_create

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ERRORS = {
    400: OpenApiResponse(s.ErrorOut, description="invalid"),
    401: OpenApiResponse(s.ErrorOut, description="not_authenticated / invalid_token"),
    403: OpenApiResponse(s.ErrorOut, description="permission_denied / insufficient_scope"),
    404: OpenApiResponse(s.ErrorOut, description="not_found"),
    429: OpenApiResponse(s.ErrorOut, description="rate_limited"),
}
WRITE_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(s.ErrorOut, description="invalid / parse_error / nesting_too_deep"),
    409: OpenApiResponse(s.ErrorOut, description="idempotency_conflict"),
    413: OpenApiResponse(s.ErrorOut, description="request_too_large"),
}
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    # What idempotency_key() accepts: at most 255 characters, no control characters.
    {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": "^[^\\x00-\\x1f\\x7f]*$"},
    OpenApiParameter.HEADER,
    description="Retry-safe write: the same key and body return the first answer again.",
)


def _requested_language(request: HttpRequest) -> str | None:
    """An API client that sends ``Accept-Language`` gets messages in that language."""
    header = request.headers.get("Accept-Language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip()
        if not code or code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


class ApiView(APIView):
    """Base of every endpoint: audit attribution, request log, language."""

    required_scopes: list[str] | dict[str, list[str]] = []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        logged: list[bool] = []

        def log_write(response: Any) -> None:
            """Write the log line now, inside the write's transaction (idempotency.py); if
            that transaction does not commit, the line is written afterwards as usual."""
            self._log(request, response, started)
            transaction.on_commit(lambda: logged.append(True))

        request.hotline_log_write = log_write  # type: ignore[attr-defined]
        with contextlib.ExitStack() as self._context:
            language = _requested_language(request)
            if language:
                self._context.enter_context(translation.override(language))
            response = None
            try:
                response = super().dispatch(request, *args, **kwargs)
            finally:
                try:
                    if not logged:
                        self._log(request, response, started)
                except OperationalError as error:
                    # The request log is bookkeeping: a busy database loses one line of
                    # it, never the answer to the client.
                    if not is_lock_timeout(error):
                        raise
                    logger.warning("API request log skipped: database busy (%s)", request.path)
        return response

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        if request.user.is_authenticated:
            # Token calls have no Django session user: attribute the changes explicitly.
            self._context.enter_context(audit_actor(request.user, ip=client_ip(request)))

    def _log(self, request: HttpRequest, response: Any, started: float) -> None:
        drf_request = getattr(self, "request", None)
        user = getattr(drf_request, "_user", None)
        token = token_of(drf_request) if drf_request is not None else None
        error_code = ""
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            error_code = str(data["error"].get("code", ""))[:40]
        ApiRequestLog.objects.create(
            client_id=token.client_id if token else None,
            token=token,
            user_id=user.pk if user is not None and user.is_authenticated else None,
            method=request.method or "",
            path=request.path[:300],
            status_code=response.status_code if response is not None else 500,
            error_code=error_code if response is not None else "server_error",
            duration_ms=int((time.monotonic() - started) * 1000),
            ip=client_ip(request),
            # A refused key is logged too: without its control characters (PostgreSQL
            # refuses a NUL, which made the log line, and so the refusal, a 500).
            idempotency_key=_CONTROL.sub("\ufffd", request.headers.get(IDEMPOTENCY_HEADER) or "")[
                :255
            ],
        )


def _reveal(customers: list[Customer]) -> None:
    for customer in customers:
        audit_record(
            action="reveal", obj=customer, changes={"field": "id_number, phone", "via": "api"}
        )


def _masked_customer_body(data: dict[str, Any]) -> dict[str, Any]:
    """A stored customer answer with its personal data masked (masking twice changes nothing)."""
    masked = dict(data)
    masked["phone"] = mask_phone(data.get("phone") or "")
    masked["id_number"] = mask_id_number(data.get("id_number") or "")
    if isinstance(data.get("phones"), list):
        masked["phones"] = [
            {**phone, "number": mask_phone(phone.get("number") or "")} for phone in data["phones"]
        ]
    return masked


def _customer_replay(request: Request) -> Callable[[Any], Any]:
    """A replayed customer answer with its ID number and phones masked again for a caller
    who may not unmask them now (``masked_on_replay``)."""
    return masked_on_replay(
        request,
        mask=_masked_customer_body,
        model=Customer,
        repr_key="name",
        fields="id_number, phone",
    )


def _detail(request: Request, customer: Customer) -> dict[str, Any]:
    unmask = may_unmask(request)
    if unmask:
        _reveal([customer])
    profile = selectors.customer_profile(customer=customer, timeline_limit=0)
    profile["accounts"] = list(
        customer.accounts.order_by("number").prefetch_related("subscriptions", "devices")
    )
    context = {"unmask": unmask, "profile": profile}
    return s.CustomerDetailOut(customer, context=context).data


class CustomerPagination(PageNumberPagination):
    """``page`` and ``page_size`` are positive integers or a 400 naming them (DRF would
    silently ignore a bad ``page_size`` and answer 404 to a bad ``page``)."""

    page_size = settings.HOTLINE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                raise ValidationError(
                    {name: [ErrorDetail(_("Expected a whole number from 1."), code="invalid")]}
                )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = _("Rows per page, 1 to 200 (more counts as 200).")
        return parameters


class CustomerListApi(ApiView):
    required_scopes = {"GET": ["customers:read"], "POST": ["customers:write"]}
    pagination_class = CustomerPagination

    @extend_schema(
        operation_id="customers_list",
        summary="List or search customers",
        parameters=[
            OpenApiParameter(
                "q", str, description="Phone, last digits, ID-card, account, name or address."
            )
        ],
        responses={200: s.CustomerOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        customers = selectors.customer_list(
            user=request.user, query=request.query_params.get("q", "")
        )
        paginator = self.pagination_class()
        page = list(paginator.paginate_queryset(customers, request, view=self) or [])
        unmask = may_unmask(request)
        if unmask:
            _reveal(page)
        data = s.CustomerOut(page, many=True, context={"unmask": unmask}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="customers_create",
        summary="Create a customer",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.CustomerIn,
        responses={201: s.CustomerDetailOut, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        def run() -> Response:
            form = s.CustomerIn(data=request.data, context={"request": request})
            form.is_valid(raise_exception=True)
            customer = customer_services.customer_create(by=request.user, data=form.validated_data)
            return Response(_detail(request, customer), status=status.HTTP_201_CREATED)

        return idempotent(request, run, present=_customer_replay(request))


class CustomerDetailApi(ApiView):
    required_scopes = {"GET": ["customers:read"], "PATCH": ["customers:write"]}

    @extend_schema(
        operation_id="customers_retrieve",
        summary="A customer with phones, accounts, subscriptions and devices",
        responses={200: s.CustomerDetailOut, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        customer = selectors.get_customer_for(request.user, pk)
        return Response(_detail(request, customer))

    @extend_schema(
        operation_id="customers_partial_update",
        summary="Change some fields of a customer",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.CustomerChangeIn(partial=True),
        responses={200: s.CustomerDetailOut, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        def run() -> Response:
            customer = selectors.get_customer_for(request.user, pk)
            form = s.CustomerChangeIn(data=request.data, partial=True, context={"request": request})
            form.is_valid(raise_exception=True)
            customer = customer_services.customer_update(
                customer=customer, by=request.user, data=form.validated_data
            )
            return Response(_detail(request, customer))

        return idempotent(request, run, present=_customer_replay(request))


class CustomerNoteApi(ApiView):
    required_scopes = ["customers:write"]

    @extend_schema(
        operation_id="customers_notes_create",
        summary="Add a note to the customer's timeline",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.NoteIn,
        responses={201: s.NoteOut, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        def run() -> Response:
            customer = selectors.get_customer_for(request.user, pk)
            form = s.NoteIn(data=request.data)
            form.is_valid(raise_exception=True)
            entry = customer_services.customer_note_add(
                customer=customer, by=request.user, **form.validated_data
            )
            return Response(s.NoteOut(entry).data, status=status.HTTP_201_CREATED)

        return idempotent(request, run)


class WebhookEndpointListApi(ApiView):
    required_scopes = ["webhooks:manage"]

    @extend_schema(
        operation_id="webhooks_endpoints_list",
        summary="Webhook endpoints",
        responses={200: s.WebhookEndpointOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("integrations.view_webhookendpoint"):
            self.permission_denied(request)
        endpoints = WebhookEndpoint.objects.order_by("name", "id")
        return Response(s.WebhookEndpointOut(endpoints, many=True).data)

    @extend_schema(
        operation_id="webhooks_endpoints_create",
        summary="Register a webhook endpoint (the signing secret is shown once)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.WebhookEndpointIn,
        responses={201: s.WebhookEndpointCreatedOut, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm("integrations.add_webhookendpoint"):
            self.permission_denied(request)

        def run() -> Response:
            form = s.WebhookEndpointIn(data=request.data)
            form.is_valid(raise_exception=True)
            endpoint, _secret = webhook_endpoint_create(by=request.user, **form.validated_data)
            return Response(
                s.WebhookEndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED
            )

        return idempotent(request, run)
