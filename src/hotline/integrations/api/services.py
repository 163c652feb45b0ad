"""The customer writes the API offers: create and change (notes: customers.services).

They check the acting user's permissions and regions exactly as a page would, write through
the audited models, and publish the webhook events in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region
from hotline.accounts.personal_data import mask_phone
from hotline.accounts.scope import regions_in_scope
from hotline.customers.models import Customer, CustomerPhone
from hotline.integrations.webhooks.services import webhook_publish

ADD_PERMISSION = "customers.add_customer"
CHANGE_PERMISSION = "customers.change_customer"

# Fields a client may set; anything else in ``data`` is ignored.
WRITABLE_FIELDS = (
    "kind",
    "name",
    "id_number",
    "phone",
    "region",
    "district",
    "street",
    "compound",
    "building",
    "unit",
    "room",
    "address",
    "vip_level",
)


def _require(user: Any, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(permission)


def _require_region_in_scope(user: Any, region: Region) -> None:
    scope = regions_in_scope(user)
    if scope is not None and region.pk not in scope:
        raise ValidationError({"region": _("This region is outside your regions.")})


def customer_event_payload(customer: Customer, changed: list[str] | None = None) -> dict[str, Any]:
    """What a webhook receiver learns about a customer: no unmasked personal data."""
    payload: dict[str, Any] = {
        "customer": {
            "id": customer.pk,
            "kind": customer.kind,
            "name": customer.name,
            "region": customer.region.code,
            "phone": mask_phone(customer.phone),
            "vip_level": customer.vip_level,
            "updated_at": customer.updated_at.isoformat(),
        }
    }
    if changed is not None:
        payload["changed"] = changed
    return payload


def _sync_primary_phone(customer: Customer) -> None:
    primary = customer.phones.filter(is_primary=True).first()
    if not customer.phone:
        return
    if primary is None:
        CustomerPhone.objects.create(customer=customer, number=customer.phone, is_primary=True)
    elif primary.number != customer.phone:
        primary.number = customer.phone
        primary.save(update_fields=["number"])


def customer_create(*, by: Any, data: dict[str, Any]) -> Customer:
    """Create a customer in one of ``by``'s regions; publish ``customer.created``."""
    _require(by, ADD_PERMISSION)
    fields = {name: data[name] for name in WRITABLE_FIELDS if name in data}
    customer = Customer(**fields)
    if customer.region_id is not None:
        _require_region_in_scope(by, customer.region)
    customer.full_clean()
    with transaction.atomic():
        customer.save()
        _sync_primary_phone(customer)
        webhook_publish(event="customer.created", payload=customer_event_payload(customer))
    return customer


def customer_update(*, customer: Customer, by: Any, data: dict[str, Any]) -> Customer:
    """Change the given fields of ``customer``; publish ``customer.updated`` if anything changed."""
    _require(by, CHANGE_PERMISSION)
    changed = [
        name for name in WRITABLE_FIELDS if name in data and getattr(customer, name) != data[name]
    ]
    for name in changed:
        setattr(customer, name, data[name])
    if "region" in changed:
        _require_region_in_scope(by, customer.region)
    customer.full_clean()
    # Normalisation in clean() may turn a "change" back into the stored value.
    changed = [name for name in changed if name in _differences(customer)]
    if not changed:
        return customer
    customer.updated_at = timezone.now()
    with transaction.atomic():
        customer.save(update_fields=[*changed, "updated_at"])
        if "phone" in changed:
            _sync_primary_phone(customer)
        webhook_publish(event="customer.updated", payload=customer_event_payload(customer, changed))
    return customer


def _differences(customer: Customer) -> set[str]:
    before = getattr(customer, "_audit_snapshot", {})
    current = customer.audit_values()
    return {
        field.name
        for field in customer._meta.concrete_fields
        if field.attname in current and before.get(field.attname) != current[field.attname]
    }
