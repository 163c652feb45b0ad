"""Writes for customers: notes, duplicate merge and its undo."""

from __future__ import annotations

import difflib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.audit import acting_as, audit_record
from hotline.customers.models import (
    Customer,
    CustomerMerge,
    CustomerPhone,
    ServiceAccount,
    TimelineEntry,
)

MERGE_PERMISSION = "customers.merge_customer"
# Fields a survivor takes from the duplicate when its own value is blank.
_FILLABLE = (
    "id_number",
    "phone",
    "district",
    "street",
    "compound",
    "building",
    "unit",
    "room",
    "address",
)


def customer_note_add(
    *, customer: Customer, by: Any, body: str = "", title: str = ""
) -> TimelineEntry:
    """Add a note to the customer's timeline; its title is ``title`` or the body's first line.

    Anyone who may see the customer may add one (the page and the API check that).
    """
    body = (body or "").strip()
    title = (title or "").strip() or (body.splitlines()[0] if body else "")
    if not title:
        raise ValidationError({"body": _("A note cannot be empty.")})
    if len(body) > 4000:
        raise ValidationError({"body": _("A note has at most 4000 characters.")})
    with acting_as(by), transaction.atomic():
        entry = TimelineEntry.objects.create(
            customer=customer,
            kind=TimelineEntry.Kind.NOTE,
            title=title[:200],
            body=body,
            author=by if getattr(by, "pk", None) else None,
        )
        # Timeline entries are not an audited model (calls will write thousands a day); a
        # note is a change someone made, so it is logged here.
        audit_record(
            action="create",
            obj=entry,
            changes={"customer": [None, customer.pk], "kind": [None, entry.kind]},
        )
    return entry


def _name_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def customer_duplicates(
    *, customer: Customer, user: Any, phones: list[str] | None = None, limit: int = 20
) -> list[Customer]:
    """Other customers ``user`` may see that are probably the same person.

    Same ID-card number, or a shared phone number with a similar name (same surname or a
    name similarity of at least one half). One indexed query per criterion, sent as a UNION.
    """
    if phones is None:
        phones = list(customer.phones.values_list("number", flat=True))
    numbers = sorted({*phones, *([customer.phone] if customer.phone else [])})
    visible = (
        Customer.objects.visible_to(user).filter(merged_into__isnull=True).exclude(pk=customer.pk)
    )
    by_phone = visible.filter(
        pk__in=CustomerPhone.objects.filter(number__in=numbers).values("customer_id")
    ).order_by()
    candidates = (
        by_phone.union(visible.filter(id_number=customer.id_number).order_by())
        if customer.id_number
        else by_phone
    )
    found = []
    for other in sorted(candidates, key=lambda c: c.pk):
        same_id = bool(customer.id_number) and other.id_number == customer.id_number
        similar = (
            other.name[:1] == customer.name[:1]
            or _name_similarity(other.name, customer.name) >= 0.5
        )
        if same_id or similar:
            found.append(other)
    return found[:limit]


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
        TimelineEntry.objects.create(
            customer=customer,
            kind=TimelineEntry.Kind.SYSTEM,
            title=_("Merged with customer #%(id)s %(name)s") % {"id": other.pk, "name": other.name},
            author=by,
            ref_model="customers.customermerge",
            ref_id=str(merge.pk),
        )
    audit_record(
        action="merge",
        obj=survivor,
        changes={"duplicate": duplicate.pk, "merge": merge.pk, **merge.moved},
    )
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
