"""Work orders over the REST API: the same services, permissions and region scope as the pages.

A network-management system opens orders with ``POST /api/v1/tickets/`` (retry-safe with an
``Idempotency-Key``) and drives them with ``POST /api/v1/tickets/<id>/actions/``; an action
the workflow does not allow answers 409 ``illegal_transition`` naming both states. Photos and
PDFs are listed, uploaded (multipart, retry-safe too) and downloaded under
``/api/v1/tickets/<id>/attachments/`` with the order page's rules.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from hotline.accounts.models import Region, Technician
from hotline.accounts.scope import REGION_REFUSED, REGION_REFUSED_CODE, regions_in_scope
from hotline.audit.masking import mask_phone
from hotline.audit.record import audit_record
from hotline.catalog.models import StatisticItem
from hotline.config_cache import config_cached
from hotline.customers.selectors import get_customer_for
from hotline.integrations.api.errors import RequestTooLarge, error_body
from hotline.integrations.api.idempotency import idempotent, masked_on_replay
from hotline.integrations.api.permissions import may_unmask
from hotline.integrations.api.serializers import ErrorOut, TextField, WholeNumberField
from hotline.integrations.api.strict import StrictSerializer
from hotline.integrations.api.views import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    WRITE_ERRORS,
    ApiView,
    CustomerPagination,
)
from hotline.tickets import selectors
from hotline.tickets.models import OrderType, Priority, Ticket, TicketAttachment
from hotline.tickets.services.opening import attachment_reveal, ticket_attach, ticket_open
from hotline.tickets.services.transitions import technician_row, ticket_transition
from hotline.tickets.workflow import TRANSITIONS, IllegalTransition, State

ACTIONS = sorted(name for name in TRANSITIONS if name != "fault_resolve")
CONFLICT = {409: OpenApiResponse(ErrorOut, description="illegal_transition")}
MAX_ID = 2**63 - 1  # larger ids overflow the database's integer: refused, not a 500


class FormFieldOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField(), source="choice_list")


class OrderTypeOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    default_priority = serializers.CharField()
    fields = FormFieldOut(many=True, source="field_list")


class TicketIn(StrictSerializer):
    order_type = serializers.SlugField(help_text="Code of the order type (GET /order-types/).")
    customer = WholeNumberField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    region = serializers.SlugField(required=False, help_text="Region code (without a customer).")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.SlugField(required=False, help_text="Statistic item code.")
    address = TextField(required=False, allow_blank=True, max_length=300)
    contact_name = TextField(required=False, allow_blank=True, max_length=100)
    contact_phone = TextField(required=False, allow_blank=True, max_length=30)
    description = TextField(required=False, allow_blank=True, max_length=4000)
    form = serializers.DictField(required=False, help_text="Custom fields by key.")
    external_ref = TextField(required=False, allow_blank=True, max_length=64)


class TicketFilterIn(serializers.Serializer):
    """The list's filters, checked like a body's fields (a state that is none, or a NUL,
    was a 500 on PostgreSQL); paging parameters are the paginator's."""

    state = serializers.ChoiceField(choices=State.choices, required=False)
    number = serializers.CharField(required=False, max_length=40)
    customer = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    external_ref = TextField(required=False, max_length=64)


class ActionIn(StrictSerializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    note = TextField(required=False, allow_blank=True, max_length=2000)
    technician = WholeNumberField(
        required=False, min_value=1, max_value=MAX_ID, help_text="For dispatch/redispatch."
    )
    parts_used = TextField(required=False, allow_blank=True, max_length=2000)
    confirmation_code = TextField(required=False, allow_blank=True, max_length=8)
    satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)


class HistoryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(source="actor_name")
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField(source="note_text")


class TicketOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    order_type = serializers.CharField(source="order_type.code")
    state = serializers.ChoiceField(choices=State.choices)
    priority = serializers.CharField()
    region = serializers.CharField(source="region.code")
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    address = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.SerializerMethodField()
    description = serializers.CharField()
    form = serializers.JSONField(source="form_data")
    technician = serializers.SerializerMethodField()
    external_ref = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    response_due_at = serializers.DateTimeField(allow_null=True)
    arrival_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    closure_due_at = serializers.DateTimeField(allow_null=True)
    resolution_met = serializers.BooleanField(allow_null=True)
    repeat_of = serializers.SerializerMethodField()

    def get_contact_phone(self, obj: Ticket) -> str:
        return obj.contact_phone if self.context.get("unmask") else mask_phone(obj.contact_phone)

    def get_technician(self, obj: Ticket) -> dict[str, Any] | None:
        if obj.technician is None:
            return None
        return {"id": obj.technician_id, "name": str(obj.technician)}

    def get_repeat_of(self, obj: Ticket) -> str | None:
        if not obj.repeat_of_id:
            return None
        return Ticket.objects.filter(pk=obj.repeat_of_id).values_list("number", flat=True).first()


class TicketDetailOut(TicketOut):
    history = serializers.SerializerMethodField()

    def get_history(self, obj: Ticket) -> list[dict[str, Any]]:
        return HistoryOut(selectors.ticket_history(obj), many=True).data


def _unmask(request: Request, tickets: list[Ticket]) -> bool:
    """Contact phones unmasked only for a role that may and a token with the scope; audited."""
    allowed = may_unmask(request)
    if allowed:
        for ticket in tickets:
            audit_record(
                action="reveal", obj=ticket, changes={"field": "contact_phone", "via": "api"}
            )
    return allowed


def _ticket_replay(request: Request) -> Any:
    """A replayed order answer with its contact phone masked again for a caller who may not
    unmask it now (``masked_on_replay``)."""

    def mask(data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("contact_phone"):
            return data
        return {**data, "contact_phone": mask_phone(data["contact_phone"])}

    return masked_on_replay(
        request, mask=mask, model=Ticket, repr_key="number", fields="contact_phone"
    )


def _detail(request: Request, ticket: Ticket, *, history: bool = True) -> dict[str, Any]:
    """The order as a service returned it (its type, region and technician are loaded);
    writes answer without the history (GET the order for it)."""
    serializer = TicketDetailOut if history else TicketOut
    return serializer(ticket, context={"unmask": _unmask(request, [ticket])}).data


class TicketPagination(CustomerPagination):
    """Paging as for customers: ``page`` and ``page_size`` are whole numbers from 1 or a 400
    naming them (DRF answered 404 to ``page=abc`` and ignored ``page_size=-5``)."""


class OrderTypeListApi(ApiView):
    required_scopes = ["tickets:read"]

    @extend_schema(
        operation_id="order_types_list",
        summary="Order types and their form fields",
        responses={200: OrderTypeOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("tickets.view_ticket"):
            raise PermissionDenied
        types = list(OrderType.objects.filter(active=True).prefetch_related("fields"))
        for order_type in types:
            order_type.field_list = sorted(
                order_type.fields.all(), key=lambda f: (f.sort_order, f.pk)
            )
        return Response(OrderTypeOut(types, many=True).data)


class TicketListApi(ApiView):
    required_scopes = {"GET": ["tickets:read"], "POST": ["tickets:write"]}

    @extend_schema(
        operation_id="tickets_list",
        summary="Work orders, newest first",
        parameters=[
            OpenApiParameter("state", str, enum=State.values),
            OpenApiParameter("number", str, description="Order number (or its beginning)."),
            OpenApiParameter("customer", int),
            OpenApiParameter("external_ref", str),
        ],
        responses={200: TicketOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        given = {key: value for key, value in request.query_params.items() if value != ""}
        filters = TicketFilterIn(data=given)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        tickets = selectors.ticket_list(
            request.user, query=params.get("number", ""), state=params.get("state", "")
        )
        if "customer" in params:
            tickets = tickets.filter(customer_id=params["customer"])
        if params.get("external_ref"):
            tickets = tickets.filter(external_ref=params["external_ref"])
        paginator = TicketPagination()
        page = list(paginator.paginate_queryset(tickets, request, view=self) or [])
        data = TicketOut(page, many=True, context={"unmask": _unmask(request, page)}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="tickets_create",
        summary="Open a work order",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=TicketIn,
        responses={201: TicketOut, 409: OpenApiResponse(ErrorOut), **ERRORS},
    )
    def post(self, request: Request) -> Response:
        def run() -> Response:
            form = TicketIn(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
            code = data["order_type"]
            order_type = config_cached(
                "order_type",
                code,
                lambda: OrderType.objects.filter(code=code, active=True).first(),
            )
            if order_type is None:
                raise serializers.ValidationError(
                    {
                        "order_type": [
                            ErrorDetail(gettext_lazy("Unknown order type."), code="unknown")
                        ]
                    }
                )
            customer = (
                get_customer_for(request.user, data["customer"]) if data.get("customer") else None
            )
            region = None
            if data.get("region"):
                region_code = data["region"]
                region = config_cached(
                    "region", region_code, lambda: Region.objects.filter(code=region_code).first()
                )
                scope = regions_in_scope(request.user)
                if region is None or (scope is not None and region.pk not in scope):
                    raise serializers.ValidationError(
                        {"region": [ErrorDetail(REGION_REFUSED, code=REGION_REFUSED_CODE)]}
                    )
            category_id = None
            if data.get("category"):
                category_id = (
                    StatisticItem.objects.filter(code=data["category"])
                    .values_list("id", flat=True)
                    .first()
                )
                if category_id is None:
                    raise serializers.ValidationError(
                        {
                            "category": [
                                ErrorDetail(gettext_lazy("Unknown statistic item."), code="unknown")
                            ]
                        }
                    )
            ticket = ticket_open(
                by=request.user,
                order_type=order_type,
                customer=customer,
                region=region,
                priority=data.get("priority", ""),
                category_id=category_id,
                address=data.get("address", ""),
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                description=data.get("description", ""),
                form=data.get("form") or {},
                source=Ticket.Source.API,
                external_ref=data.get("external_ref", ""),
            )
            return Response(_detail(request, ticket, history=False), status=status.HTTP_201_CREATED)

        return idempotent(request, run, present=_ticket_replay(request))


class TicketDetailApi(ApiView):
    required_scopes = ["tickets:read"]

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="A work order with its history",
        responses={200: TicketDetailOut, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.get_ticket_for(request.user, pk, related=selectors.ACTION_RELATED)
        return Response(_detail(request, ticket))


class TicketActionApi(ApiView):
    required_scopes = ["tickets:write"]

    @extend_schema(
        operation_id="tickets_action",
        summary="Move a work order along its workflow",
        description="Actions: " + ", ".join(ACTIONS) + ". Dispatch needs `technician`.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ActionIn,
        responses={200: TicketOut, **CONFLICT, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        def run() -> Response:
            # The service loads and locks the row and checks the region scope itself; an
            # order outside the caller's regions answers as one that does not exist.
            if not request.user.has_perm(selectors.VIEW):
                raise Http404("ticket")
            ticket = Ticket(pk=pk)
            form = ActionIn(data=request.data)
            form.is_valid(raise_exception=True)
            data = dict(form.validated_data)
            action = data.pop("action")
            kwargs: dict[str, Any] = {"note": data.get("note", "")}
            if action in ("dispatch", "redispatch"):
                if not data.get("technician"):
                    raise serializers.ValidationError(
                        {
                            "technician": [
                                ErrorDetail(gettext_lazy("Name the technician."), code="required")
                            ]
                        }
                    )
                try:
                    kwargs["technician"] = technician_row(data["technician"])
                except Technician.DoesNotExist:
                    raise Http404("technician") from None
            elif action == "resolve":
                kwargs["parts_used"] = data.get("parts_used", "")
                kwargs["confirmation_code"] = data.get("confirmation_code", "")
            elif action == "verify":
                kwargs["satisfied"] = data.get("satisfied")
            try:
                ticket = ticket_transition(ticket=ticket, action=action, by=request.user, **kwargs)
            except Ticket.DoesNotExist:
                raise Http404("ticket") from None
            except PermissionDenied as denied:
                if str(denied) == "region":
                    raise Http404("ticket") from None
                raise
            except IllegalTransition as error:
                return Response(
                    error_body("illegal_transition", error.message),
                    status=status.HTTP_409_CONFLICT,
                )
            return Response(_detail(request, ticket, history=False))

        return idempotent(request, run, present=_ticket_replay(request))


# --- Attachments -------------------------------------------------------------------------


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    field_key = serializers.CharField(help_text="The form field it was attached to, if any.")
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField(help_text="URL of the file itself.")

    def get_uploaded_by(self, obj: TicketAttachment) -> str | None:
        return obj.uploaded_by.get_username() if obj.uploaded_by_id else None

    def get_download(self, obj: TicketAttachment) -> str:
        return reverse("api:ticket-attachment-file", args=[obj.ticket_id, obj.pk])


class AttachmentIn(serializers.Serializer):
    file = serializers.FileField(help_text="A photo (image/*) or a PDF, at most the size limit.")


class AttachmentMultiPartParser(MultiPartParser):
    """Multipart bodies, refused from their ``Content-Length`` (413 ``request_too_large``)
    when they could not hold an allowed file anyway; a file a little over the limit is
    answered with a field error by the service's own check."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", None) or {}
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            declared = 0
        if declared > settings.TICKETS["ATTACHMENT_MAX_BYTES"] + 1024 * 1024:
            raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)


def _attachment_ticket(request: Request, pk: int) -> Ticket:
    """The order if the caller may see it (404 otherwise, as on the page)."""
    return selectors.get_ticket_for(request.user, pk, related=selectors.ACTION_RELATED)


def _the_upload(request: Request) -> Any:
    """The one ``file`` of a multipart body, which holds nothing else (as a JSON body holds
    only known fields): a second file, or a field this endpoint does not take, was dropped
    silently while the answer said 201."""
    names = set(request.data.keys()) | set(request.FILES.keys())
    errors = {
        str(name): [
            ErrorDetail(gettext_lazy("This field is not known here."), code="unknown_field")
        ]
        for name in sorted(names - {"file"})[:20]
    }
    uploads = request.FILES.getlist("file")
    if not uploads:
        errors["file"] = [ErrorDetail(gettext_lazy("Choose a file."), code="required")]
    elif len(uploads) > 1:
        errors["file"] = [ErrorDetail(gettext_lazy("One file per request."), code="too_many_files")]
    if errors:
        raise serializers.ValidationError(errors)
    return uploads[0]


class TicketAttachmentListApi(ApiView):
    required_scopes = {"GET": ["tickets:read"], "POST": ["tickets:write"]}
    parser_classes = [AttachmentMultiPartParser]

    @extend_schema(
        operation_id="tickets_attachments_list",
        summary="The order's photos and files",
        responses={200: AttachmentOut(many=True), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        ticket = _attachment_ticket(request, pk)
        attachments = ticket.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")
        return Response(AttachmentOut(list(attachments), many=True).data)

    @extend_schema(
        operation_id="tickets_attachments_create",
        summary="Attach a photo or PDF to the order",
        description=(
            "multipart/form-data with one `file`: an image or a PDF of at most "
            "`HOTLINE_TICKETS_ATTACHMENT_MB` MB (10 by default). Send an `Idempotency-Key` so "
            "a retry attaches nothing twice."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"multipart/form-data": AttachmentIn},
        responses={201: AttachmentOut, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        def run() -> Response:
            ticket = _attachment_ticket(request, pk)
            upload = _the_upload(request)
            attachment = ticket_attach(ticket=ticket, by=request.user, upload=upload)
            return Response(AttachmentOut(attachment).data, status=status.HTTP_201_CREATED)

        return idempotent(request, run)


class TicketAttachmentFileApi(ApiView):
    required_scopes = ["tickets:read"]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The answer is the file itself, whatever the client accepts.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="tickets_attachments_file",
        summary="Download one of the order's files",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, pk: int, attachment_pk: int) -> FileResponse:
        ticket = _attachment_ticket(request, pk)
        attachment = get_object_or_404(TicketAttachment, pk=attachment_pk, ticket=ticket)
        return attachment_reveal(attachment=attachment, via="api", download=True)
