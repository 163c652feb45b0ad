"""Opening a work order: from the customer page, the API, or an area-fault report."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hotline.accounts.models import Region
from hotline.accounts.scope import REGION_REFUSED, REGION_REFUSED_CODE, regions_in_scope
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved
from hotline.config_cache import config_cached
from hotline.customers.models import Customer, Device
from hotline.customers.phones import PhoneError, normalize_phone, phone_clean
from hotline.stored_text import stored
from hotline.tickets import sla
from hotline.tickets.clock import calendar_for
from hotline.tickets.fields import clean_form
from hotline.tickets.models import (
    FormField,
    OrderType,
    Priority,
    SlaPolicy,
    Ticket,
    TicketAttachment,
)
from hotline.tickets.routing import escalation_chain
from hotline.tickets.services.common import history_add, publish_ticket, require
from hotline.tickets.workflow import PERM_DISPATCH, PERM_OPEN, State


def ticket_number_next(now: datetime.datetime) -> str:
    """WO20261123-000123: the day (local time) and that day's running number.

    One upsert on the day's counter row: concurrent openings queue on that row for the
    length of their transaction, so numbers never repeat.
    """
    day = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_ticketnumber (day, last) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = tickets_ticketnumber.last + 1 "
            "RETURNING last",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"WO{day:%Y%m%d}-{number:06d}"


def policy_for(order_type: OrderType, priority: str) -> SlaPolicy:
    """The SLA policy of ``order_type`` at ``priority`` (a rule, else the type's own)."""

    def load() -> SlaPolicy:
        rule = order_type.sla_rules.filter(priority=priority).select_related("policy").first()
        return rule.policy if rule is not None else order_type.sla_policy

    return config_cached("sla_policy", (order_type.pk, priority), load)


def form_specs(order_type: OrderType) -> list[FormField]:
    """The form fields of ``order_type`` in their order (kept until configuration changes)."""
    return list(
        config_cached(
            "form_specs",
            order_type.pk,
            lambda: tuple(order_type.fields.order_by("sort_order", "id")),
        )
    )


def customer_devices(customer: Customer | None) -> dict[int, str]:
    """The customer's devices as the picker offers them: id → label."""
    if customer is None:
        return {}
    return {
        device.pk: str(device)
        for device in Device.objects.filter(account__customer=customer).order_by("kind", "serial")
    }


def find_repeat(
    *, customer: Customer | None, category_id: int | None, now: datetime.datetime
) -> Ticket | None:
    """The latest order resolved for the same customer and fault category within the window."""
    if customer is None or category_id is None:
        return None
    window = datetime.timedelta(days=settings.TICKETS["REPEAT_WINDOW_DAYS"])
    return (
        Ticket.objects.filter(
            customer=customer,
            category_id=category_id,
            resolved_at__isnull=False,
            resolved_at__gte=now - window,
            resolved_at__lte=now,
        )
        .exclude(state=State.CANCELLED)
        .order_by("-resolved_at", "-id")
        .first()
    )


def _check_region(by: Any, region: Region) -> None:
    if by is None:
        return
    scope = regions_in_scope(by)
    if scope is not None and region.pk not in scope:
        raise ValidationError({"region": ValidationError(REGION_REFUSED, REGION_REFUSED_CODE)})


def _contact_phone(raw: str, errors: dict[str, Any]) -> str:
    """The order's contact number as digits; text that is not a phone number is an error
    (dropping its letters turned "NaN" into no number and "call 138…" into one)."""
    try:
        phone_clean(raw)
    except PhoneError as error:
        if error.code == "characters":
            errors["contact_phone"] = [
                _(
                    "A phone number has digits only (spaces, dashes, brackets and a leading + "
                    "are allowed)."
                )
            ]
            return ""
    digits = normalize_phone(raw)
    if digits and not (7 <= len(digits) <= 20):
        errors["contact_phone"] = [_("Enter a phone number of 7 to 20 digits.")]
    return digits


def ticket_open(
    *,
    by: Any,
    order_type: OrderType,
    customer: Customer | None = None,
    region: Region | None = None,
    priority: str = "",
    category_id: int | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    description: str = "",
    form: dict[str, Any] | None = None,
    files: dict[str, list[UploadedFile]] | None = None,
    source: str = Ticket.Source.WEB,
    external_ref: str = "",
    area_fault: Any = None,
    skip_form: bool = False,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Open an order of ``order_type``; customer, address and phone default from the customer.

    Checks every field before writing anything; then, in one transaction: the numbered
    order with its SLA deadlines, devices and attachments, the repeat-repair link, its
    first history line, the audit entry and ``ticket.created`` (timers, the timeline, the
    webhooks and the first owner follow from that event).
    """
    require(by, PERM_OPEN)
    now = now or timezone.now()
    errors: dict[str, Any] = {}
    if not order_type.active:
        errors["order_type"] = [_("This order type is no longer in use.")]
    if customer is not None:
        if by is not None and not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
            raise PermissionDenied("customer")
        if customer.merged_into_id is not None:
            errors["customer"] = [_("This customer was merged into another; open it there.")]
        region = region or customer.region
        address = address or customer.address
        contact_name = contact_name or customer.name
        contact_phone = contact_phone or customer.phone
    if region is None:
        errors["region"] = [_("Give the region of the order (or a customer).")]
    priority = priority or order_type.default_priority
    if priority not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    contact_phone = _contact_phone(contact_phone or "", errors)
    if len(address) > 300:
        errors["address"] = [_("At most %(n)d characters.") % {"n": 300}]
    if category_id is None:
        category_id = order_type.statistic_item_id
    # A caller's report linked to an area fault, or the fault's own repair order, is opened
    # in one click: the type's form is not asked for.
    specs = [] if skip_form else form_specs(order_type)
    try:
        cleaned = clean_form(specs, form or {}, devices=customer_devices(customer), files=files)
    except ValidationError as error:
        errors.update({f"form.{key}": value for key, value in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert region is not None
    _check_region(by, region)

    policy = policy_for(order_type, priority)
    deadlines = sla.deadlines_for(now, policy.targets(), calendar_for(policy.calendar_name))
    with acting_as(by), transaction.atomic():
        ticket = Ticket(
            number=ticket_number_next(now),
            order_type=order_type,
            category_id=category_id,
            priority=priority,
            state=State.NEW,
            source=source,
            external_ref=external_ref[:64],
            customer=customer,
            region=region,
            address=address[:300],
            contact_name=contact_name[:100],
            contact_phone=contact_phone,
            description=description,
            form_data=cleaned.data,
            created_by=by,
            created_at=now,
            updated_at=now,
            sla_policy=policy,
            response_due_at=deadlines.response,
            arrival_due_at=deadlines.arrival,
            resolution_due_at=deadlines.resolution,
            closure_due_at=deadlines.closure,
            warning_at=deadlines.warning,
            sla_provisional=deadlines.provisional,
            area_fault=area_fault,
            confirmation_code=(
                f"{secrets.randbelow(1_000_000):06d}" if order_type.requires_confirmation else ""
            ),
        )
        if order_type.counts_repeats:
            ticket.repeat_of = find_repeat(customer=customer, category_id=category_id, now=now)
        # The first owner of the region's chain is written with the order (not by a second
        # update), so the order's first timers are made once, owner timer included.
        chain = (
            escalation_chain(region)
            if area_fault is None and not order_type.auto_dispatch
            else None
        )
        if chain:
            ticket.set_owner(chain[0], level=1, at=now, at_top=len(chain) == 1)
        ticket.save()
        if cleaned.device_ids:
            ticket.devices.set(cleaned.device_ids)
        for key, upload in cleaned.files:
            _attach(ticket, key, upload, by)
        history_add(
            ticket,
            "created",
            by=by,
            to_state=State.NEW,
            note=description[:500],
            data={"repeat_of": ticket.repeat_of.number} if ticket.repeat_of else {},
            at=now,
        )
        if deadlines.provisional:
            history_add(
                ticket,
                "sla_provisional",
                note=stored(
                    gettext_noop(
                        "A deadline falls in a year whose public-holiday schedule is not "
                        "entered yet: it is counted on weekends only and recomputed once the "
                        "year is entered."
                    )
                ),
                at=now,
            )
        if chain:
            history_add(
                ticket, "owner_assigned", by=by, owner_id=chain[0], data={"level": 1}, at=now
            )
        audit_saved(ticket, created=True)
        publish_ticket("ticket.created", ticket, source=source, description=description[:500])
        if chain:
            publish_ticket("ticket.owner_assigned", ticket, owner_id=chain[0], level=1)
        if ticket.confirmation_code and ticket.contact_phone:
            from hotline.tickets.services.common import sms_send

            sms_send(
                to=ticket.contact_phone,
                text=stored(
                    gettext_noop(
                        "Your work order %(number)s is open. When the work is done, give the "
                        "technician the code %(code)s."
                    ),
                    number=ticket.number,
                    code=ticket.confirmation_code,
                ),
                ticket=ticket,
                purpose="confirmation_code",
            )
        if area_fault is None and not chain:  # auto-dispatch, or nobody in the chain
            from hotline.tickets.services.escalation import ticket_first_owner

            ticket_first_owner(ticket=ticket, now=now, chain=chain)
    return ticket


def _attach(ticket: Ticket, key: str, upload: UploadedFile, by: Any) -> TicketAttachment:
    attachment = TicketAttachment(
        ticket=ticket,
        field_key=key,
        name=upload.name[:200],
        content_type=(upload.content_type or "")[:100],
        size=upload.size or 0,
        uploaded_by=by,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit_saved(attachment, created=True)
    return attachment


def attachment_response(attachment: TicketAttachment, *, download: bool = False) -> Any:
    """The file of ``attachment`` as an HTTP answer that cannot run anything in the browser:
    served as the type its bytes were recognised as (else as bytes to download), sniffing
    off, and sandboxed like a page from nowhere."""
    from django.http import FileResponse

    from hotline.tickets.fields import SIGNATURES

    known = attachment.content_type in SIGNATURES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=download or not known,
        filename=attachment.name,
        content_type=attachment.content_type if known else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_reveal(*, attachment: TicketAttachment, via: str, download: bool = False) -> Any:
    """Serve ``attachment`` to the current actor and put the read on record: a file may show
    a customer (an ID card, a house), so whoever fetched it, by the page or the API, is in the
    audit log as a ``reveal``."""
    audit_record(
        action="reveal",
        obj=attachment,
        changes={"field": "file", "via": via, "ticket": attachment.ticket.number},
    )
    return attachment_response(attachment, download=download)


def ticket_attach(*, ticket: Ticket, by: Any, upload: UploadedFile, key: str = "") -> Any:
    """Add a photo or file to an order (technician on site, agent, dispatcher)."""
    from hotline.tickets.fields import check_upload
    from hotline.tickets.services.common import require_in_scope

    own = by is not None and ticket.technician_id and ticket.technician.user_id == by.pk
    if by is not None and not (own or by.has_perm(PERM_OPEN) or by.has_perm(PERM_DISPATCH)):
        raise PermissionDenied("attach")
    require_in_scope(by, ticket)
    check_upload(upload, key or "file")
    with acting_as(by), transaction.atomic():
        attachment = _attach(ticket, key, upload, by)
        history_add(ticket, "attached", by=by, note=attachment.name)
        publish_ticket(
            "ticket.attached",
            ticket,
            attachment={"id": attachment.pk, "name": attachment.name, "size": attachment.size},
        )
    return attachment
