"""Area faults: declared once for regions, callers linked in one click, resolved together."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hotline.accounts.models import Region, User
from hotline.accounts.scope import regions_in_scope
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved
from hotline.config_cache import config_changed
from hotline.customers.models import Customer
from hotline.events import publish
from hotline.stored_text import stored
from hotline.tickets import notify
from hotline.tickets.models import AreaFault, OrderType, Priority, Ticket
from hotline.tickets.services.common import require
from hotline.tickets.services.opening import ticket_open
from hotline.tickets.workflow import OPEN_STATES, PERM_AREA_FAULT, PERM_OPEN

logger = logging.getLogger(__name__)


def _common_region(regions: list[Region]) -> Region:
    """The lowest region containing all of ``regions`` (where the repair order belongs)."""
    parts = [r.path.strip("/").split("/") for r in regions]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return Region.objects.get(code=common[-1]) if common else regions[0]


def _next_number(now: datetime.datetime) -> str:
    day = timezone.localdate(now)
    count = AreaFault.objects.filter(number__startswith=f"AF{day:%Y%m%d}").count()
    return f"AF{day:%Y%m%d}-{count + 1:03d}"


def area_fault_event(fault: AreaFault) -> dict[str, Any]:
    return {
        "area_fault": {
            "id": fault.pk,
            "number": fault.number,
            "title": fault.title,
            "status": fault.status,
            "regions": sorted(r.code for r in fault.regions.all()),
            "starts_at": fault.starts_at.isoformat(),
            "expected_end_at": fault.expected_end_at.isoformat() if fault.expected_end_at else None,
            "repair_ticket_id": fault.repair_ticket_id,
        }
    }


def area_fault_declare(
    *,
    by: Any,
    title: str,
    cause: str,
    regions: list[Region],
    order_type: OrderType,
    expected_end_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> AreaFault:
    """Declare a fault for ``regions``: one repair order under the major-fault SLA; BOSS is
    told after commit (``area_fault.declared``)."""
    require(by, PERM_AREA_FAULT)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the fault a title.")]
    if not regions:
        errors["regions"] = [_("Choose at least one region.")]
    scope = regions_in_scope(by) if by is not None else None
    if scope is not None and any(r.pk not in scope for r in regions):
        errors["regions"] = [_("This region is outside your regions.")]
    if expected_end_at is not None and expected_end_at <= now:
        errors["expected_end_at"] = [_("The expected repair time must be in the future.")]
    if errors:
        raise ValidationError(errors)
    with acting_as(by), transaction.atomic():
        fault = AreaFault.objects.create(
            number=_next_number(now),
            title=title.strip()[:200],
            cause=cause.strip(),
            order_type=order_type,
            starts_at=now,
            expected_end_at=expected_end_at,
            declared_by=by,
            declared_at=now,
        )
        fault.regions.set(regions)
        fault.repair_ticket = ticket_open(
            by=by,
            order_type=order_type,
            region=_common_region(regions),
            priority=Priority.MAJOR,
            description=_("Area fault %(number)s: %(title)s. %(cause)s")
            % {"number": fault.number, "title": fault.title, "cause": fault.cause},
            skip_form=True,
            now=now,
        )
        fault.save(update_fields=["repair_ticket"])
        audit_saved(fault, created=True)
        publish("area_fault.declared", area_fault_event(fault))
    return fault


def area_fault_notify_boss(*, fault_id: int, system: Any = None) -> str:
    """Tell BOSS of the fault, once per region (idempotency key); keep the notice or error."""
    from hotline.integrations.boss.port import BillingError
    from hotline.integrations.boss.services import billing_system

    fault = AreaFault.objects.get(pk=fault_id)
    system = system or billing_system()
    notices, error = [], ""
    for region in fault.regions.order_by("path"):
        try:
            notice = system.report_area_fault(
                region.code,
                f"{fault.title} {fault.cause}".strip(),
                starts_at=fault.starts_at,
                expected_end_at=fault.expected_end_at,
                idempotency_key=f"{fault.number}:{region.code}",
            )
        except BillingError as exc:
            error = f"{region.code}: {exc.reason}"
            logger.warning("BOSS refused area fault %s: %s", fault.number, exc)
            continue
        notices.append(notice.notice_id)
    AreaFault.objects.filter(pk=fault.pk).update(
        boss_notice_id=",".join(notices)[:64], boss_error=error[:200]
    )
    return error or "ok"


def area_fault_link(*, fault: AreaFault, customer: Customer, by: Any, note: str = "") -> Ticket:
    """Link a caller's report to the fault (one click); an existing open report is reused."""
    require(by, PERM_OPEN)
    if fault.status != AreaFault.Status.OPEN:
        raise ValidationError({"area_fault": _("This area fault is already resolved.")})
    if by is not None and not AreaFault.objects.visible_to(by).filter(pk=fault.pk).exists():
        raise PermissionDenied("area fault")
    existing = (
        Ticket.objects.filter(area_fault=fault, customer=customer, state__in=sorted(OPEN_STATES))
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    return ticket_open(
        by=by,
        order_type=fault.order_type,
        customer=customer,
        priority=Priority.MAJOR,
        description=note or _("Reported during area fault %(number)s.") % {"number": fault.number},
        source=Ticket.Source.AREA_FAULT,
        area_fault=fault,
        skip_form=True,
    )


def area_fault_resolve(
    *, fault: AreaFault, by: Any, note: str, now: datetime.datetime | None = None
) -> AreaFault:
    """Mark the fault repaired; its linked reports are resolved right after, in batches
    (``area_fault_resolve_reports``), each with an SMS to the caller."""
    require(by, PERM_AREA_FAULT)
    if by is not None and not AreaFault.objects.visible_to(by).filter(pk=fault.pk).exists():
        raise PermissionDenied("area fault")
    if not note.strip():
        raise ValidationError({"note": _("Say what was repaired.")})
    now = now or timezone.now()
    with acting_as(by), transaction.atomic():
        config_changed()  # the pops and the IVR stop announcing it (``area_fault_text``)
        updated = AreaFault.objects.filter(pk=fault.pk, status=AreaFault.Status.OPEN).update(
            status=AreaFault.Status.RESOLVED,
            resolved_at=now,
            resolved_by=by,
            resolution_note=note.strip(),
        )
        if not updated:
            raise ValidationError({"area_fault": _("This area fault is already resolved.")})
        fault.refresh_from_db()
        audit_record(
            action="update",
            obj=fault,
            changes={"status": ["open", "resolved"], "resolution_note": [None, note.strip()]},
        )
        publish("area_fault.resolved", area_fault_event(fault))
    return fault


def area_fault_resolve_reports(
    *, fault_id: int, user_id: int | None, note: str = "", batch: int = 200
) -> int:
    """Resolve the still-open reports of a resolved fault, one short transaction each."""
    from hotline.tickets.services.transitions import ticket_fault_resolve

    fault = AreaFault.objects.get(pk=fault_id)
    if fault.status != AreaFault.Status.RESOLVED:
        return 0
    by = User.objects.filter(pk=user_id).first() if user_id else None
    text = note or fault.resolution_note
    done = 0
    while True:
        reports = list(
            Ticket.objects.filter(area_fault=fault, state__in=sorted(OPEN_STATES))
            .select_related("order_type", "region")
            .order_by("id")[:batch]
        )
        if not reports:
            return done
        for report in reports:
            with transaction.atomic():
                ticket_fault_resolve(ticket=report, by=by, note=text)
                notify.sms(
                    to=report.contact_phone,
                    text=stored(
                        gettext_noop(
                            "[Hotline] The fault you reported (%(number)s) is repaired: "
                            "%(title)s. Thank you for your patience."
                        ),
                        number=report.number,
                        title=fault.title,
                    ),
                    ticket=report,
                    purpose="area_fault_resolved",
                )
            done += 1
