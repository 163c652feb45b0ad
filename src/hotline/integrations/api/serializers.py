"""Input and output shapes of the API (also the OpenAPI schema's components)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from hotline.accounts.models import Region
from hotline.accounts.scope import REGION_REFUSED, REGION_REFUSED_CODE, region_for
from hotline.customers import fields
from hotline.customers.fields import CustomerField, FieldProblem, text_problem
from hotline.customers.models import (
    Customer,
    CustomerPhone,
    Device,
    ServiceAccount,
    Subscription,
    TimelineEntry,
)
from hotline.integrations.api.strict import StrictSerializer
from hotline.integrations.models import WEBHOOK_EVENTS, WebhookEndpoint


class RegionOut(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class _MaskedMixin:
    """Personal data is masked (as ``customers.fields`` says) unless the context says
    ``unmask``."""

    context: dict[str, Any]

    def _personal(self, value: str, declaration: CustomerField) -> str:
        return declaration.display(value, unmasked=bool(self.context.get("unmask")))


class CustomerOut(_MaskedMixin, serializers.ModelSerializer):
    region = RegionOut(read_only=True)
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "name",
            "phone",
            "id_number",
            "region",
            "district",
            "street",
            "compound",
            "building",
            "unit",
            "room",
            "address",
            "vip_level",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_phone(self, obj: Customer) -> str:
        return self._personal(obj.phone, fields.PHONE)

    @extend_schema_field(serializers.CharField())
    def get_id_number(self, obj: Customer) -> str:
        return self._personal(obj.id_number, fields.ID_NUMBER)


class PhoneOut(_MaskedMixin, serializers.ModelSerializer):
    number = serializers.SerializerMethodField()

    class Meta:
        model = CustomerPhone
        fields = ["id", "kind", "number", "is_primary"]

    @extend_schema_field(serializers.CharField())
    def get_number(self, obj: CustomerPhone) -> str:
        return self._personal(obj.number, fields.PHONE)


class SubscriptionOut(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = [
            "id",
            "product_code",
            "product_name",
            "monthly_fee",
            "starts_on",
            "ends_on",
            "status",
        ]


class DeviceOut(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "kind", "serial", "model_name", "installed_on"]


class AccountOut(serializers.ModelSerializer):
    subscriptions = SubscriptionOut(many=True, read_only=True)
    devices = DeviceOut(many=True, read_only=True)

    class Meta:
        model = ServiceAccount
        fields = [
            "id",
            "number",
            "status",
            "balance",
            "opened_at",
            "address",
            "subscriptions",
            "devices",
        ]


class CustomerDetailOut(CustomerOut):
    phones = serializers.SerializerMethodField()
    accounts = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta(CustomerOut.Meta):
        fields = [*CustomerOut.Meta.fields, "phones", "accounts", "tags"]

    @extend_schema_field(PhoneOut(many=True))
    def get_phones(self, obj: Customer) -> list[dict[str, Any]]:
        return PhoneOut(self.context["profile"]["phones"], many=True, context=self.context).data

    @extend_schema_field(AccountOut(many=True))
    def get_accounts(self, obj: Customer) -> list[dict[str, Any]]:
        return AccountOut(self.context["profile"]["accounts"], many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj: Customer) -> list[str]:
        return [tag.name for tag in self.context["profile"]["tags"]]


class TextField(serializers.CharField):
    """A JSON string, and only that: DRF's ``CharField`` also takes numbers and turns them
    into text, which the OpenAPI schema (``type: string``) does not allow."""

    default_error_messages = {"not_a_string": _("Expected a string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        value = super().to_internal_value(data)
        # Line breaks and tabs are text; other controls and text-direction overrides are not
        # (they make text display as something other than what is stored). A NUL is refused
        # by DRF's own check, with its own code.
        problem = text_problem(value.replace("\x00", ""), multiline=True)
        if problem is not None:
            raise serializers.ValidationError(problem.message, code=problem.code)
        return value


class WholeNumberField(serializers.IntegerField):
    """A JSON integer, and only that: DRF's ``IntegerField`` also takes "3" and 3.0, which
    the OpenAPI schema (``type: integer``) does not allow (``true`` it already refuses)."""

    default_error_messages = {"not_an_integer": _("Expected a whole number.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)


class RegionCodeField(serializers.CharField):
    """A region by its code, among the regions of the request's user: a code that names
    nothing and one outside them get the same answer (two would tell which codes exist).
    A value that cannot be a code is refused before any query (PostgreSQL refuses NUL in
    text, which made such a lookup a 500)."""

    default_error_messages = {"invalid": _("Not a region code.")}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or any(ord(char) < 0x20 for char in data):
            self.fail("invalid")
        code = super().to_internal_value(data)
        region = region_for(self.context["request"].user, code=code)
        if region is None:
            raise serializers.ValidationError(REGION_REFUSED, code=REGION_REFUSED_CODE)
        return region


class SchemaField(TextField):
    """A customer field checked by its declaration in ``customers.fields``: the same
    normalisation and rules as the page, the import and the model."""

    def __init__(self, declaration: CustomerField, **kwargs: Any) -> None:
        self.declaration = declaration
        kwargs.setdefault("required", declaration.required)
        kwargs.setdefault("allow_blank", not declaration.required)
        if declaration.max_length:
            kwargs.setdefault("help_text", f"at most {declaration.max_length} characters")
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        try:
            return self.declaration.check(value)
        except FieldProblem as problem:
            raise serializers.ValidationError(problem.message, code=problem.code) from None


class PhoneIn(StrictSerializer):
    number = SchemaField(fields.PHONE, required=True, allow_blank=False)
    kind = serializers.ChoiceField(choices=CustomerPhone.Kind.choices, required=False)


class CustomerIn(StrictSerializer):
    """Fields a client may set; ``region`` is the region's code (stable across systems).

    ``phone`` is the primary number; ``phones`` (on create) adds numbers with their type.
    """

    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    name = SchemaField(fields.NAME)
    id_number = SchemaField(fields.ID_NUMBER, required=False)
    phone = SchemaField(fields.PHONE, required=False)
    phones = PhoneIn(many=True, required=False, max_length=fields.MAX_PHONES)
    region = RegionCodeField()
    district = SchemaField(fields.DISTRICT, required=False)
    street = SchemaField(fields.STREET, required=False)
    compound = SchemaField(fields.COMPOUND, required=False)
    building = SchemaField(fields.BUILDING, required=False)
    unit = SchemaField(fields.UNIT, required=False)
    room = SchemaField(fields.ROOM, required=False)
    address = SchemaField(fields.ADDRESS, required=False)
    vip_level = WholeNumberField(min_value=0, max_value=9, required=False)

    def to_internal_value(self, data: Any) -> Any:
        # Too many phones are refused before each is checked, in the service's words (the
        # list's own limit, which the schema shows as maxItems, would answer under
        # "phones.non_field_errors").
        phones = data.get("phones") if isinstance(data, Mapping) else None
        if "phones" in self.fields and isinstance(phones, list) and len(phones) > fields.MAX_PHONES:
            raise serializers.ValidationError(
                {"phones": [ErrorDetail(fields.too_many_phones(), code="too_many")]}
            )
        return super().to_internal_value(data)


class CustomerChangeIn(CustomerIn):
    """A change: the fields of ``CustomerIn`` but ``phones``, which only a new customer takes
    (a change of numbers is a phone of its own); sent here it was dropped under a 200."""

    phones = None


class NoteIn(StrictSerializer):
    title = TextField(max_length=200)
    body = TextField(required=False, allow_blank=True, default="")


class NoteOut(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["id", "customer", "kind", "at", "title", "body", "author"]


class WebhookEndpointIn(StrictSerializer):
    name = TextField(max_length=100)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[*WEBHOOK_EVENTS.keys(), "*"]),
        allow_empty=False,
        min_length=1,  # allow_empty=False says the same; min_length reaches the schema
    )


class WebhookEndpointOut(serializers.ModelSerializer):
    # A password in the URL is listed as "***"; the stored URL keeps it.
    url = serializers.URLField(source="masked_url", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "events", "active", "created_at"]


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    """Returned once, on creation: the only time the API shows the signing secret."""

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class ErrorDetailOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False)


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()
