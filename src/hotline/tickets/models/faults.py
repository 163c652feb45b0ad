"""Area faults (major faults): one fault, many callers, resolved together."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region
from hotline.accounts.scope import regions_in_scope
from hotline.audit.record import AuditedModel


class AreaFaultQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Faults touching at least one region the user may see."""
        scope = regions_in_scope(user)
        if scope is None:
            return self
        if not scope:
            return self.none()
        ids = self.filter(regions__id__in=sorted(scope)).values("id")
        return self.filter(id__in=ids)

    def affecting(self, region: Region) -> Self:
        """Open faults declared for ``region`` or a region above it."""
        parts = [p for p in region.path.strip("/").split("/") if p]
        paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        ids = self.filter(regions__path__in=paths).values("id")
        return self.filter(id__in=ids, status=AreaFault.Status.OPEN)


class AreaFault(AuditedModel):
    """区域故障: declared for regions, with a cause and an expected repair time."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    cause = models.TextField(_("cause"), blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="+")
    # Callers' reports linked to the fault are orders of this type.
    order_type = models.ForeignKey(
        "tickets.OrderType",
        verbose_name=_("order type of the reports"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    starts_at = models.DateTimeField(_("started"), default=timezone.now)
    expected_end_at = models.DateTimeField(_("expected repair"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    # The one order under which the fault is repaired (major-fault SLA).
    repair_ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("repair order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs_fault",
    )
    boss_notice_id = models.CharField(_("BOSS notice"), max_length=64, blank=True)
    boss_error = models.CharField(_("BOSS error"), max_length=200, blank=True)

    objects = AreaFaultQuerySet.as_manager()

    class Meta:
        verbose_name = _("area fault")
        verbose_name_plural = _("area faults")
        ordering = ["-declared_at", "-id"]
        permissions = [("manage_areafault", _("Can declare and resolve area faults"))]
        indexes = [models.Index(fields=["status", "-declared_at"], name="areafault_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
