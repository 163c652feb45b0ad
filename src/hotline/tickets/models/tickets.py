"""Work orders, their history, attachments and charges."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region
from hotline.accounts.scope import RegionScopedQuerySet
from hotline.audit.record import AuditedModel
from hotline.stored_text import render
from hotline.tickets.models.config import FeeItem, OrderType, Priority, SlaPolicy
from hotline.tickets.workflow import OPEN_STATES, State


class TicketQuerySet(RegionScopedQuerySet):
    region_field = "region"

    def open(self) -> TicketQuerySet:
        return self.filter(state__in=sorted(OPEN_STATES))


class Ticket(AuditedModel):
    """工单: one work order, from opening to the closed loop."""

    class Source(models.TextChoices):
        WEB = "web", _("Agent")
        API = "api", _("API")
        AREA_FAULT = "area_fault", _("Area fault report")
        CALL = "call", _("Call")

    number = models.CharField(_("number"), max_length=20, unique=True)
    order_type = models.ForeignKey(
        OrderType, verbose_name=_("order type"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.StatisticItem",
        verbose_name=_("fault category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NEW)
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.WEB
    )
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    devices = models.ManyToManyField(
        "customers.Device", verbose_name=_("devices"), blank=True, related_name="tickets"
    )

    technician = models.ForeignKey(
        "accounts.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # Who must act now: the technician's account, or the person it was escalated to.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tickets",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    owner_acknowledged = models.BooleanField(_("owner took it"), default=False)
    owner_since = models.DateTimeField(_("owner since"), null=True, blank=True)
    # The owner is the last person of the escalation chain: nobody above to escalate to.
    at_top = models.BooleanField(_("top of the escalation chain"), default=False)
    # Last time the owner at the top was told (the top reached, then each repeat reminder):
    # the next reminder is due one interval later, until somebody takes the order.
    reminded_at = models.DateTimeField(_("owner last reminded"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    arrival_due_at = models.DateTimeField(_("on site due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    closure_due_at = models.DateTimeField(_("loop closed due"), null=True, blank=True)
    warning_at = models.DateTimeField(_("warn owner at"), null=True, blank=True)
    # A deadline crosses a year without its holiday schedule: recomputed once it is entered.
    sla_provisional = models.BooleanField(_("deadlines provisional"), default=False)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_from = models.CharField(_("paused in state"), max_length=20, blank=True)
    response_met = models.BooleanField(_("first response on time"), null=True, blank=True)
    arrival_met = models.BooleanField(_("on site on time"), null=True, blank=True)
    resolution_met = models.BooleanField(_("resolved on time"), null=True, blank=True)
    closure_met = models.BooleanField(_("loop closed on time"), null=True, blank=True)

    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    area_fault = models.ForeignKey(
        "tickets.AreaFault",
        verbose_name=_("area fault"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    confirmation_code = models.CharField(_("confirmation code"), max_length=8, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    parts_used = models.TextField(_("parts used"), blank=True)
    callback_state = models.CharField(
        _("callback"),
        max_length=10,
        blank=True,
        choices=[("pending", _("Waiting for callback")), ("done", _("Called back"))],
    )
    satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)

    audit_masked: ClassVar[set[str]] = {"contact_phone"}
    audit_secret: ClassVar[set[str]] = {"confirmation_code"}
    audit_exclude: ClassVar[set[str]] = {"updated_at"}
    personal_fields: ClassVar[tuple[str, ...]] = ("contact_phone",)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("dispatch_ticket", _("Can dispatch work orders")),
            ("dispatch_cross_region", _("Can dispatch to technicians of other regions")),
            ("work_ticket", _("Can work on own work orders (technician)")),
            ("verify_ticket", _("Can record the callback of a work order")),
            ("close_ticket", _("Can close work orders")),
            ("cancel_ticket", _("Can cancel work orders")),
            ("reopen_ticket", _("Can reopen work orders")),
            ("pause_ticket", _("Can put work orders on hold for the customer")),
            ("view_ticket_reports", _("Can see work-order figures")),
            ("export_settlement", _("Can export the monthly fee settlement")),
        ]
        indexes = [
            models.Index(fields=["state", "region"], name="ticket_state_region_idx"),
            models.Index(fields=["region", "state", "resolution_due_at"], name="ticket_board_idx"),
            models.Index(fields=["technician", "state"], name="ticket_technician_state_idx"),
            models.Index(fields=["owner", "state"], name="ticket_owner_state_idx"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_idx"),
            models.Index(
                fields=["customer", "category", "resolved_at"],
                name="ticket_repeat_idx",
                condition=Q(resolved_at__isnull=False),
            ),
            models.Index(fields=["created_at"], name="ticket_created_idx"),
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            models.Index(fields=["area_fault"], name="ticket_area_fault_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def sla_risk(self, now: datetime.datetime | None = None) -> str:
        """ "breached", "at_risk" (warning time passed), "paused", "ok" or "" (done)."""
        if not self.is_open:
            return ""
        if self.paused_at is not None:
            return "paused"
        now = now or timezone.now()
        if self.resolution_due_at and now >= self.resolution_due_at:
            return "breached"
        if self.warning_at and now >= self.warning_at:
            return "at_risk"
        return "ok"

    OWNER_FIELDS: ClassVar[list[str]] = [
        "owner",
        "owner_since",
        "escalation_level",
        "owner_acknowledged",
        "at_top",
        "reminded_at",
    ]

    def set_owner(
        self,
        owner_id: int | None,
        *,
        level: int,
        at: datetime.datetime,
        acknowledged: bool = False,
        at_top: bool = False,
    ) -> list[str]:
        """Hand the order to ``owner_id`` at chain ``level`` (0 = its technician); return the
        fields to save."""
        self.owner_id = owner_id
        self.owner_since = at
        self.escalation_level = level
        self.owner_acknowledged = acknowledged
        self.at_top = at_top
        self.reminded_at = None
        return list(self.OWNER_FIELDS)

    def event_data(self) -> dict[str, Any]:
        """What events, webhooks and pushes say about the order: no personal data."""
        return {
            "id": self.pk,
            "number": self.number,
            "type": self.order_type.code,
            "type_label": self.order_type.label_zh,
            "type_label_en": self.order_type.label_en,
            "priority": self.priority,
            "state": self.state,
            "region": self.region.code,
            "region_id": self.region_id,
            "region_path": self.region.path,
            "customer_id": self.customer_id,
            "technician_id": self.technician_id,
            "technician_user_id": self.technician.user_id if self.technician_id else None,
            "owner_id": self.owner_id,
            "escalation_level": self.escalation_level,
            "area_fault_id": self.area_fault_id,
            "resolution_due_at": (
                self.resolution_due_at.isoformat() if self.resolution_due_at else None
            ),
            "external_ref": self.external_ref,
        }


class TicketNumber(models.Model):
    """The last order number handed out on a day (numbers read WO20261123-000123)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class TicketHistory(models.Model):
    """One step of an order's life: who, when, from → to, and why (timers included)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="history"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    technician = models.ForeignKey(
        "accounts.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    timer = models.ForeignKey(
        "tickets.TicketTimer",
        verbose_name=_("timer"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order history entry")
        verbose_name_plural = _("order history")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="tickethistory_ticket_idx"),
            models.Index(fields=["technician", "action"], name="tickethistory_tech_idx"),
            models.Index(fields=["timer"], name="tickethistory_timer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (a note the system worded), else as written."""
        return render((self.data or {}).get("note_msg"), self.note)


def _attachment_path(instance: TicketAttachment, filename: str) -> str:
    now = timezone.now()
    return f"tickets/{now:%Y/%m}/{instance.ticket_id}/{filename}"


class TicketAttachment(AuditedModel):
    """A photo or file on an order (stored through Django's storage API)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="attachments"
    )
    field_key = models.CharField(_("form field"), max_length=40, blank=True)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    def audit_values(self) -> dict[str, Any]:
        values = super().audit_values()
        if "file" in values:
            values["file"] = getattr(values["file"], "name", values["file"]) or ""
        return values

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class TicketCharge(AuditedModel):
    """A service charge on an order."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="charges"
    )
    fee_item = models.ForeignKey(
        FeeItem, verbose_name=_("fee item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.fee_item} × {self.quantity}"
