"""Writes for customers: create and change (with phones and accounts) and notes; the
duplicate merge and its undo are in ``merging``.

The one write path for a customer: the page, the API and the admin call these functions, so
the same checks (``customers.fields``), permissions, region scope, audit history and events
apply whichever door a change came in by.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import Region
from hotline.accounts.scope import REGION_REFUSED, REGION_REFUSED_CODE, region_for, regions_in_scope
from hotline.audit.context import acting_as
from hotline.audit.masking import mask_phone
from hotline.audit.record import audit_record, audit_saved
from hotline.customers import addresses, fields
from hotline.customers.models import (
    Customer,
    CustomerPhone,
    ServiceAccount,
    TimelineEntry,
)
from hotline.customers.phones import ascii_digits, phone_kind_guess
from hotline.events import publish

ADD_PERMISSION = "customers.add_customer"
CHANGE_PERMISSION = "customers.change_customer"
MERGE_PERMISSION = "customers.merge_customer"
# Fields a survivor takes from the duplicate when its own value is blank.
_FILLABLE = ("id_number", "phone", *fields.ADDRESS_PARTS, "address")


# --- create and change -----------------------------------------------------------------------


def _require(user: Any, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(permission)


def _require_visible(user: Any, customer: Customer) -> None:
    """A change needs the customer in ``user``'s regions (pages answer 404 before this)."""
    scope = regions_in_scope(user)
    if scope is not None and customer.region_id not in scope:
        raise PermissionDenied("customer outside the user's regions")


def _resolve_region(user: Any, value: Any) -> Region:
    """A ``Region`` from an instance, a primary key or a code, inside ``user``'s regions."""
    region: Region | None
    if isinstance(value, Region):
        region = region_for(user, pk=value.pk)
    elif isinstance(value, int) and not isinstance(value, bool):
        region = region_for(user, pk=value)
    elif isinstance(value, str) and value.strip():
        region = region_for(user, code=value.strip())
    else:
        raise ValidationError({"region": ValidationError(fields.MESSAGES["required"], "required")})
    if region is None:
        raise ValidationError({"region": ValidationError(REGION_REFUSED, REGION_REFUSED_CODE)})
    return region


def _region_names(region: Region) -> tuple[str, str]:
    """(city, district) names above ``region``, for the address text and the district."""
    codes = [code for code in region.path.split("/") if code]
    names = dict(Region.objects.filter(code__in=codes).values_list("level", "name"))
    return names.get(Region.Level.CITY, ""), names.get(Region.Level.DISTRICT, "")


def _clean_phones(entries: Any) -> list[tuple[str, str]]:
    """``[(number, kind)]`` from ``[{"number": …, "kind": …}]``; duplicates dropped."""
    if not entries:
        return []
    if len(entries) > fields.MAX_PHONES:
        raise ValidationError({"phones": ValidationError(fields.too_many_phones(), "too_many")})
    found: list[tuple[str, str]] = []
    kinds = set(CustomerPhone.Kind.values)
    for index, entry in enumerate(entries):
        number_text = entry.get("number", "") if isinstance(entry, dict) else entry
        try:
            number = fields.PHONE.check(number_text)
        except fields.FieldProblem as problem:
            raise ValidationError(
                {"phones": ValidationError(f"{index + 1}: {problem.message}", problem.code)}
            ) from None
        kind = (entry.get("kind") if isinstance(entry, dict) else "") or phone_kind_guess(number)
        if kind not in kinds:
            raise ValidationError({"phones": ValidationError(_("Unknown phone type."), "kind")})
        if number and number not in {n for n, _k in found}:
            found.append((number, kind))
    return found


def _clean_accounts(numbers: Any) -> list[str]:
    cleaned: list[str] = []
    for raw in numbers or []:
        text = "".join(ascii_digits(str(raw)).split()).upper()
        if not text:
            continue
        if len(text) > 32 or not text.isascii() or not text.isalnum():
            raise ValidationError(
                {"accounts": ValidationError(_("An account number is letters and digits."), "bad")}
            )
        if text not in cleaned:
            cleaned.append(text)
    taken = list(ServiceAccount.objects.filter(number__in=cleaned).values_list("number", flat=True))
    if taken:
        raise ValidationError(
            {
                "accounts": ValidationError(
                    _("Account %(number)s already belongs to a customer.") % {"number": taken[0]},
                    "taken",
                )
            }
        )
    return cleaned


def _masked_phones(customer: Customer) -> list[str]:
    return [
        f"{p.kind} {mask_phone(p.number)}{' *' if p.is_primary else ''}"
        for p in customer.phones.order_by("-is_primary", "id")
    ]


def customer_event_payload(customer: Customer, changed: list[str] | None = None) -> dict[str, Any]:
    """What subscribers (webhooks, pushes) learn about a customer: no unmasked personal data."""
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


def _collect(errors: dict[str, Any], check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except ValidationError as error:
        errors.update(error.error_dict)
        return None


def customer_create(*, by: Any, data: dict[str, Any]) -> Customer:
    """Create a customer in one of ``by``'s regions; publish ``customer.created``.

    ``data`` holds the fields of ``customers.fields`` (``region`` as a ``Region``, its id or
    its code), optionally ``phones`` (``[{"number", "kind"}]``, the first is the primary one
    unless ``phone`` names it) and ``accounts`` (service account numbers). Every problem is
    reported at once, keyed by field; nothing is written unless all pass.
    """
    _require(by, ADD_PERMISSION)
    errors: dict[str, Any] = {}
    values = _collect(errors, fields.clean_values, data) or {}
    region = _collect(errors, _resolve_region, by, data.get("region"))
    phones = _collect(errors, _clean_phones, data.get("phones")) or []
    accounts = _collect(errors, _clean_accounts, data.get("accounts")) or []
    if "name" not in values and "name" not in errors:
        errors["name"] = [ValidationError(fields.MESSAGES["required"], "required")]
    numbers = {number for number, _k in phones} | (
        {values["phone"]} if values.get("phone") else set()
    )
    if len(numbers) > fields.MAX_PHONES and "phones" not in errors:
        errors["phones"] = [ValidationError(fields.too_many_phones(), "too_many")]
    if errors:
        raise ValidationError(errors)
    primary = values.get("phone") or (phones[0][0] if phones else "")
    if primary and primary not in {number for number, _k in phones}:
        phones.insert(0, (primary, phone_kind_guess(primary)))
    values["phone"] = primary
    city, district = _region_names(region)
    if not values.get("district") and (values.get("street") or values.get("compound")):
        values["district"] = district
    fields.complete_address(values, city=city)
    now = timezone.now()
    with acting_as(by), transaction.atomic():
        customer = Customer(region=region, created_at=now, updated_at=now, **values)
        customer.save()
        CustomerPhone.objects.bulk_create(
            CustomerPhone(
                customer=customer,
                number=number,
                last4=number[-4:],
                kind=kind,
                is_primary=number == primary,
            )
            for number, kind in phones
        )
        for number in accounts:
            ServiceAccount.objects.create(customer=customer, number=number)
        audit_saved(
            customer,
            created=True,
            extra={
                "phone_numbers": [None, _masked_phones(customer)],
                **({"service_accounts": [None, accounts]} if accounts else {}),
            },
        )
        publish("customer.created", customer_event_payload(customer))
    return customer


def _address_text_followed_parts(customer: Customer, city: str) -> bool:
    parts = {name: getattr(customer, name) for name in fields.ADDRESS_PARTS}
    return not customer.address or customer.address in {
        addresses.compose_address(city=city, **parts),
        addresses.compose_address(**parts),
    }


def customer_update(*, customer: Customer, by: Any, data: dict[str, Any]) -> Customer:
    """Change the fields of ``customer`` given in ``data``; publish ``customer.updated``.

    Returns the customer as stored. A full address given alone is split into its parts; parts
    given alone recompose the full address when it was made from the parts.
    """
    _require(by, CHANGE_PERMISSION)
    _require_visible(by, customer)
    errors: dict[str, Any] = {}
    values = _collect(errors, fields.clean_values, data) or {}
    region = _collect(errors, _resolve_region, by, data["region"]) if "region" in data else None
    if errors:
        raise ValidationError(errors)
    with acting_as(by), transaction.atomic():
        customer = Customer.objects.select_for_update().select_related("region").get(pk=customer.pk)
        city, _district = _region_names(region or customer.region)
        if "address" in values or _address_text_followed_parts(customer, city):
            fields.complete_address(
                values,
                current={name: getattr(customer, name) for name in fields.ADDRESS_PARTS},
                city=city,
            )
        changed = [name for name, value in values.items() if getattr(customer, name) != value]
        if region is not None and region.pk != customer.region_id:
            customer.region = region
            changed.append("region")
        if not changed:
            return customer
        for name in changed:
            if name != "region":
                setattr(customer, name, values[name])
        customer.updated_at = timezone.now()
        customer.save(update_fields=[*changed, "updated_at"])
        if "phone" in changed:
            _sync_primary_phone(customer)
        audit_saved(customer, fields=changed)
        publish("customer.updated", customer_event_payload(customer, changed))
    return customer


def _sync_primary_phone(customer: Customer) -> None:
    """``Customer.phone`` changed: its ``CustomerPhone`` row becomes (or is) the primary one."""
    phones = list(customer.phones.all())
    target = next((p for p in phones if p.number == customer.phone), None)
    for phone in phones:
        if phone.is_primary and phone is not target:
            if target is None and customer.phone:
                phone.number = customer.phone  # the primary number was retyped
                phone.save(update_fields=["number"])
                return
            phone.is_primary = False
            phone.save(update_fields=["is_primary"])
    if target is not None and not target.is_primary:
        target.is_primary = True
        target.save(update_fields=["is_primary"])
    elif target is None and customer.phone:
        CustomerPhone.objects.create(
            customer=customer,
            number=customer.phone,
            kind=phone_kind_guess(customer.phone),
            is_primary=True,
        )


def customer_fill_in(*, customer: Customer, by: Any, data: dict[str, Any]) -> Customer:
    """Add what a new-customer form held to an existing customer instead of a duplicate.

    Blank fields of ``customer`` take the form's values, and phones it lacks are added (not
    primary); nothing it already has is overwritten.
    """
    _require(by, CHANGE_PERMISSION)
    _require_visible(by, customer)
    values = fields.clean_values(data)
    phones = _clean_phones(data.get("phones"))
    if values.get("phone") and values["phone"] not in {n for n, _k in phones}:
        phones.append((values["phone"], phone_kind_guess(values["phone"])))
    blanks = {
        name: value
        for name, value in values.items()
        if value not in ("", None, 0) and not getattr(customer, name) and name != "phone"
    }
    with acting_as(by), transaction.atomic():
        if blanks:
            customer = customer_update(customer=customer, by=by, data=blanks)
        for number, kind in phones:
            if not customer.phones.filter(number=number).exists():
                customer_phone_add(customer=customer, by=by, number=number, kind=kind)
    customer.refresh_from_db()
    return customer


# --- phones ---------------------------------------------------------------------------------


def _phone_change(customer: Customer, by: Any, change: Any) -> Any:
    """Run ``change(customer)`` on the locked customer; audit the phone list; publish."""
    _require(by, CHANGE_PERMISSION)
    _require_visible(by, customer)
    with acting_as(by), transaction.atomic():
        customer = Customer.objects.select_for_update().select_related("region").get(pk=customer.pk)
        before_list, before_primary = _masked_phones(customer), customer.phone
        result = change(customer)
        primary = customer.phones.filter(is_primary=True).first()
        if primary is None:
            primary = customer.phones.order_by("id").first()
            if primary is not None:
                primary.is_primary = True
                primary.save(update_fields=["is_primary"])
        customer.phone = primary.number if primary else ""
        customer.updated_at = timezone.now()
        customer.save(update_fields=["phone", "updated_at"])
        changed = ["phones", *(["phone"] if customer.phone != before_primary else [])]
        audit_record(
            action="update",
            obj=customer,
            changes={
                "phone_numbers": [before_list, _masked_phones(customer)],
                **(
                    {"phone": [mask_phone(before_primary), mask_phone(customer.phone)]}
                    if "phone" in changed
                    else {}
                ),
            },
        )
        publish("customer.updated", customer_event_payload(customer, changed))
    return result


def _phone_number(number: Any, customer: Customer, exclude: int | None = None) -> str:
    try:
        cleaned = fields.PHONE.check(number)
    except fields.FieldProblem as problem:
        raise ValidationError({"number": ValidationError(problem.message, problem.code)}) from None
    if not cleaned:
        raise ValidationError({"number": ValidationError(fields.MESSAGES["required"], "required")})
    if customer.phones.filter(number=cleaned).exclude(pk=exclude).exists():
        raise ValidationError(
            {"number": ValidationError(_("This customer already has this number."), "duplicate")}
        )
    return cleaned


def _phone_kind(kind: str, number: str) -> str:
    kind = kind or phone_kind_guess(number)
    if kind not in CustomerPhone.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Unknown phone type."), "kind")})
    return kind


def customer_phone_add(
    *, customer: Customer, by: Any, number: str, kind: str = "", primary: bool = False
) -> CustomerPhone:
    """Give ``customer`` another number (the primary one if ``primary`` or it has none)."""

    def change(locked: Customer) -> CustomerPhone:
        cleaned = _phone_number(number, locked)
        if locked.phones.count() >= fields.MAX_PHONES:
            raise ValidationError({"number": ValidationError(fields.too_many_phones(), "too_many")})
        if primary:
            locked.phones.filter(is_primary=True).update(is_primary=False)
        return CustomerPhone.objects.create(
            customer=locked,
            number=cleaned,
            kind=_phone_kind(kind, cleaned),
            is_primary=primary or not locked.phone,
        )

    return _phone_change(customer, by, change)


def customer_phone_change(
    *, phone: CustomerPhone, by: Any, number: str | None = None, kind: str | None = None
) -> CustomerPhone:
    """Retype a number or change its type (``None`` keeps what it is)."""

    def change(locked: Customer) -> CustomerPhone:
        row = locked.phones.get(pk=phone.pk)
        if number is not None:
            row.number = _phone_number(number, locked, exclude=row.pk)
        if kind is not None:
            row.kind = _phone_kind(kind, row.number)
        row.save(update_fields=["number", "kind"])
        return row

    return _phone_change(phone.customer, by, change)


def customer_phone_remove(*, phone: CustomerPhone, by: Any) -> None:
    """Remove a number; if it was the primary one, the oldest other number takes over."""

    def change(locked: Customer) -> None:
        locked.phones.filter(pk=phone.pk).delete()

    _phone_change(phone.customer, by, change)


def customer_phone_make_primary(*, phone: CustomerPhone, by: Any) -> CustomerPhone:
    """Make ``phone`` the number the customer is called on first (also ``Customer.phone``)."""

    def change(locked: Customer) -> CustomerPhone:
        locked.phones.exclude(pk=phone.pk).filter(is_primary=True).update(is_primary=False)
        row = locked.phones.get(pk=phone.pk)
        row.is_primary = True
        row.save(update_fields=["is_primary"])
        return row

    return _phone_change(phone.customer, by, change)


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
        publish("customer.note_added", {"customer": {"id": customer.pk}, "note": entry.pk})
    return entry
