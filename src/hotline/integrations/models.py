"""Integration hub data: API tokens, webhook endpoints and their delivery outbox."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.audit.masking import mask_url_credentials
from hotline.audit.record import AuditedModel

# Scopes a token may carry. The acting user's role and regions still apply on top: a scope
# only says which parts of the API the integration may call at all.
API_SCOPES: dict[str, object] = {
    "customers:read": _("Read customers"),
    "customers:write": _("Create and change customers, add notes"),
    "customers:unmask": _("Read unmasked personal data (if the acting user may)"),
    "webhooks:manage": _("Manage webhook endpoints"),
    "tickets:read": _("Read work orders"),
    "tickets:write": _("Open work orders and move them along their workflow"),
}

# Events Hotline publishes to webhook endpoints.
WEBHOOK_EVENTS: dict[str, object] = {
    "customer.created": _("Customer created"),
    "customer.updated": _("Customer changed"),
    "ticket.created": _("Work order opened"),
    "ticket.owner_assigned": _("Work order given to its first owner"),
    "ticket.dispatched": _("Work order dispatched"),
    "ticket.reassigned": _("Work order reassigned (not accepted in time)"),
    "ticket.escalated": _("Work order escalated"),
    "ticket.taken": _("Work order taken over"),
    "ticket.accepted": _("Work order accepted"),
    "ticket.arrived": _("Technician on site"),
    "ticket.paused": _("Work order pending the customer"),
    "ticket.resumed": _("Work order resumed"),
    "ticket.resolved": _("Work order resolved"),
    "ticket.verified": _("Work order verified by callback"),
    "ticket.closed": _("Work order closed"),
    "ticket.cancelled": _("Work order cancelled"),
    "ticket.reopened": _("Work order reopened"),
    "ticket.sla_warning": _("Work order close to its deadline"),
    "ticket.sla_breached": _("Work order missed its deadline"),
    "ticket.charged": _("Charge added to a work order"),
    "ticket.reminded": _("Work order owner reminded at the top of the escalation chain"),
    "ticket.attached": _("File attached to a work order"),
    "area_fault.declared": _("Area fault declared"),
    "area_fault.resolved": _("Area fault resolved"),
    "article.published": _("Knowledge article published"),
    "announcement.published": _("Area announcement published"),
    "announcement.withdrawn": _("Area announcement withdrawn"),
}


class ApiClient(AuditedModel):
    """An external system that calls Hotline's API; it acts as ``user`` (role + regions)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting user"),
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text=_("The API acts with this user's role and regions."),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(AuditedModel):
    """A bearer token ``<prefix>.<secret>``; only the SHA-256 of the secret is stored."""

    audit_secret: ClassVar[set[str]] = {"secret_hash"}
    audit_exclude: ClassVar[set[str]] = {"last_used_at"}

    client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="tokens"
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scopes(self, required: list[str] | tuple[str, ...] | set[str]) -> bool:
        return set(required) <= set(self.scopes or [])


class IdempotencyRecord(models.Model):
    """The stored answer to a write sent with an ``Idempotency-Key``, replayed on retries."""

    owner = models.CharField(_("owner"), max_length=40)  # "client:<id>" or "user:<id>"
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    response = models.JSONField(_("response"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class ApiRequestLog(models.Model):
    """One line per API call: who (client, token, user), what (method, path), the outcome.

    Kept apart from the audit log: it is high-volume and may be pruned; the audit log keeps
    the changes and the unmasked reads those calls made.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("API token"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    method = models.CharField(_("method"), max_length=10)
    # The path only: query strings may carry personal data (a search for a phone number).
    path = models.CharField(_("path"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API request log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="apilog_client_at_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


def events_include(events: list[str], event: str) -> bool:
    """Whether an endpoint's list of ``events`` (``*``: all) takes ``event``."""
    return "*" in events or event in events


class WebhookEndpoint(AuditedModel):
    """A receiver of Hotline events; every delivery is signed with ``secret`` (Standard
    Webhooks: ``whsec_<base64 key>``, HMAC-SHA256). Its URL must reach a public address
    unless the operator allows private ones (``webhooks/addresses.py``)."""

    audit_secret: ClassVar[set[str]] = {"secret"}

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_url(self) -> str:
        """The URL as listed back to people and API clients: a password in it is ``***``
        (the stored URL keeps it for the deliveries)."""
        return mask_url_credentials(self.url)

    def audit_display(self, field_name: str, value: Any) -> Any:
        if field_name == "url" and isinstance(value, str):
            return mask_url_credentials(value)
        return super().audit_display(field_name, value)

    def clean(self) -> None:
        super().clean()
        if self.url:
            from hotline.integrations.webhooks.addresses import (
                UnsafeWebhookAddress,
                webhook_target,
            )

            try:
                webhook_target(self.url)
            except UnsafeWebhookAddress as refused:
                raise ValidationError({"url": refused.message}) from None

    def wants(self, event: str) -> bool:
        return self.active and events_include(self.events, event)


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row the delivery worker sends and retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class SmsMessage(models.Model):
    """One text message in the outbox: written with the change that caused it, then sent (and
    retried with back-off) by the SMS sender until the gateway takes it or it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # waiting for its (next) attempt
        SENT = "sent", _("Sent")  # the gateway took it; no delivery receipt yet
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")  # refused, undeliverable, or expired unsent

    to = models.CharField(_("to"), max_length=20)
    text = models.TextField(_("text"))
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The sender's key (for example ticket:42:dispatch); queued once per number."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    expires_at = models.DateTimeField(_("give up after"))
    error_reason = models.CharField(_("error code"), max_length=40, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    gateway_message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    parts = models.PositiveSmallIntegerField(_("parts"), default=0)
    delivery_detail = models.CharField(_("delivery detail"), max_length=100, blank=True)
    next_status_check_at = models.DateTimeField(_("next status check"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due_idx"),
            models.Index(fields=["status", "next_status_check_at"], name="sms_status_due_idx"),
            models.Index(fields=["reference"], name="sms_reference_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "to"],
                condition=~models.Q(reference=""),
                name="sms_reference_to_unique",
            )
        ]

    def __str__(self) -> str:
        # Shown by the admin and kept in the audit log: in the reader's language.
        return str(
            _("Text message #%(number)s (%(status)s)")
            % {"number": self.pk, "status": self.get_status_display()}
        )
