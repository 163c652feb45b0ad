"""Duplicate merge and its undo: everything moved from the duplicate to the survivor is
recorded on the ``CustomerMerge``, so the undo puts it back exactly; audited and published
like every other customer write (``services``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hotline.audit.context import acting_as
from hotline.audit.masking import mask_phone
from hotline.audit.record import audit_record, audit_saved
from hotline.customers import fields
from hotline.customers.models import (
    Customer,
    CustomerMerge,
    CustomerPhone,
    ServiceAccount,
    TimelineEntry,
)
from hotline.customers.services import _FILLABLE, MERGE_PERMISSION
from hotline.events import publish
from hotline.stored_text import in_site_language, stored


def customer_merge(*, survivor: Customer, duplicate: Customer, by: Any) -> CustomerMerge:
    """Fold ``duplicate`` into ``survivor``; everything moved is recorded so it can be undone."""
    if not by.has_perm(MERGE_PERMISSION):
        raise PermissionDenied(MERGE_PERMISSION)
    with acting_as(by), transaction.atomic():
        return _merge(survivor, duplicate, by)


def _merge(survivor: Customer, duplicate: Customer, by: Any) -> CustomerMerge:
    survivor = Customer.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise ValidationError({"duplicate": _("One of these customers was already merged.")})

    existing = set(survivor.phones.values_list("number", flat=True))
    together = existing | set(duplicate.phones.values_list("number", flat=True))
    if len(together) > fields.MAX_PHONES:
        # The same limit as every other door a number comes in by; the user keeps both
        # customers and removes numbers first.
        raise ValidationError(
            {
                "duplicate": _(
                    "Together these customers have %(count)d phone numbers; a customer keeps "
                    "at most %(max)d. Remove numbers from one of them first."
                )
                % {"count": len(together), "max": fields.MAX_PHONES}
            }
        )
    moved_phones, dropped_phones = [], []
    # A merged-away customer keeps no phone rows: phone lookups can then skip the customers
    # table. Numbers the survivor already has are deleted here and re-created by an undo.
    for phone in duplicate.phones.all():
        if phone.number in existing:
            dropped_phones.append(
                {"number": phone.number, "kind": phone.kind, "is_primary": phone.is_primary}
            )
            phone.delete()
            continue
        phone.customer = survivor
        phone.is_primary = False
        phone.save(update_fields=["customer", "is_primary"])
        moved_phones.append(phone.pk)
    moved_accounts = list(duplicate.accounts.values_list("pk", flat=True))
    for account in ServiceAccount.objects.filter(pk__in=moved_accounts):
        account.customer = survivor
        account.save(update_fields=["customer"])
    moved_timeline = list(duplicate.timeline.values_list("pk", flat=True))
    TimelineEntry.objects.filter(pk__in=moved_timeline).update(customer=survivor)
    added_tags = [t.pk for t in duplicate.tags.all() if not survivor.tags.filter(pk=t.pk).exists()]
    survivor.tags.add(*added_tags)

    filled = {}
    for field in _FILLABLE:
        if not getattr(survivor, field) and getattr(duplicate, field):
            filled[field] = ""
            setattr(survivor, field, getattr(duplicate, field))
    if duplicate.vip_level > survivor.vip_level:
        filled["vip_level"] = survivor.vip_level
        survivor.vip_level = duplicate.vip_level
    now = timezone.now()
    survivor.updated_at = now
    survivor.save(update_fields=[*filled, "updated_at"])
    duplicate.merged_into = survivor
    duplicate.updated_at = now
    duplicate.save(update_fields=["merged_into", "updated_at"])

    merge = CustomerMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        merged_by=by,
        moved={
            "phones": moved_phones,
            "dropped_phones": dropped_phones,
            "accounts": moved_accounts,
            "timeline": moved_timeline,
            "tags": added_tags,
        },
        filled_fields=filled,
    )
    for customer, other in ((survivor, duplicate), (duplicate, survivor)):
        title = stored(
            gettext_noop("Merged with customer #%(id)s %(name)s"), id=str(other.pk), name=other.name
        )
        TimelineEntry.objects.create(
            customer=customer,
            kind=TimelineEntry.Kind.SYSTEM,
            title=in_site_language(title)[:200],
            worded={"title": title},
            author=by,
            ref_model="customers.customermerge",
            ref_id=str(merge.pk),
        )
    # The merge row keeps dropped numbers in clear (an undo re-creates them); the audit log
    # is read by people who may not unmask, so it shows them masked.
    dropped_masked = [{**p, "number": mask_phone(p["number"])} for p in dropped_phones]
    audit_record(
        action="merge",
        obj=survivor,
        changes={
            "duplicate": duplicate.pk,
            "merge": merge.pk,
            **merge.moved,
            "dropped_phones": dropped_masked,
        },
    )
    audit_saved(survivor, fields=filled)
    publish(
        "customer.merged",
        {"customer": {"id": survivor.pk}, "duplicate": {"id": duplicate.pk}, "merge": merge.pk},
    )
    publish("customer.updated", {"customer": {"id": duplicate.pk}, "changed": ["merged_into"]})
    return merge


def customer_merge_undo(*, merge: CustomerMerge, by: Any) -> None:
    """Give the duplicate back everything the merge moved and restore the survivor's fields."""
    if not by.has_perm(MERGE_PERMISSION):
        raise PermissionDenied(MERGE_PERMISSION)
    with acting_as(by), transaction.atomic():
        _merge_undo(merge, by)


def _merge_undo(merge: CustomerMerge, by: Any) -> None:
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError({"merge": _("This merge was already undone.")})
    survivor, duplicate = merge.survivor, merge.duplicate
    for phone in CustomerPhone.objects.filter(pk__in=merge.moved.get("phones", [])):
        phone.customer = duplicate
        phone.save(update_fields=["customer"])
    for account in ServiceAccount.objects.filter(pk__in=merge.moved.get("accounts", [])):
        account.customer = duplicate
        account.save(update_fields=["customer"])
    for dropped in merge.moved.get("dropped_phones", []):
        CustomerPhone.objects.create(customer=duplicate, **dropped)
    TimelineEntry.objects.filter(pk__in=merge.moved.get("timeline", [])).update(customer=duplicate)
    survivor.tags.remove(*merge.moved.get("tags", []))
    for field, value in merge.filled_fields.items():
        setattr(survivor, field, value)
    now = timezone.now()
    survivor.updated_at = now
    survivor.save(update_fields=[*merge.filled_fields, "updated_at"])
    duplicate.merged_into = None
    duplicate.updated_at = now
    duplicate.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = now
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    audit_record(
        action="merge_undo", obj=survivor, changes={"duplicate": duplicate.pk, "merge": merge.pk}
    )
    publish(
        "customer.merge_undone",
        {"customer": {"id": survivor.pk}, "duplicate": {"id": duplicate.pk}, "merge": merge.pk},
    )
    publish("customer.updated", {"customer": {"id": duplicate.pk}, "changed": ["merged_into"]})
