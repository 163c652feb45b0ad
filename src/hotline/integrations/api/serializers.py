"""Input and output shapes of the API (also the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hotline.accounts.models import Region
from hotline.accounts.personal_data import mask_id_number, mask_phone
from hotline.customers.models import (
    Customer,
    CustomerPhone,
    Device,
    ServiceAccount,
    Subscription,
    TimelineEntry,
)
from hotline.integrations.models import WEBHOOK_EVENTS, WebhookEndpoint


class RegionOut(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class _MaskedMixin:
    """Personal data is masked unless the serializer context says ``unmask``."""

    context: dict[str, Any]

    def _personal(self, value: str, mask) -> str:  # type: ignore[no-untyped-def]
        return (value or "") if self.context.get("unmask") else mask(value or "")


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
        return self._personal(obj.phone, mask_phone)

    @extend_schema_field(serializers.CharField())
    def get_id_number(self, obj: Customer) -> str:
        return self._personal(obj.id_number, mask_id_number)


class PhoneOut(_MaskedMixin, serializers.ModelSerializer):
    number = serializers.SerializerMethodField()

    class Meta:
        model = CustomerPhone
        fields = ["id", "kind", "number", "is_primary"]

    @extend_schema_field(serializers.CharField())
    def get_number(self, obj: CustomerPhone) -> str:
        return self._personal(obj.number, mask_phone)


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


class CustomerIn(serializers.Serializer):
    """Fields a client may set; ``region`` is the region's code (stable across systems)."""

    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    street = serializers.CharField(max_length=100, required=False, allow_blank=True)
    compound = serializers.CharField(max_length=100, required=False, allow_blank=True)
    building = serializers.CharField(max_length=20, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    room = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    vip_level = serializers.IntegerField(min_value=0, max_value=9, required=False)


class NoteIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")


class NoteOut(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["id", "customer", "kind", "at", "title", "body", "author"]


class WebhookEndpointIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[*WEBHOOK_EVENTS.keys(), "*"]), allow_empty=False
    )


class WebhookEndpointOut(serializers.ModelSerializer):
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
