"""统计项目: admin-configurable codes that classify calls and work orders."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import BilingualLabel
from hotline.audit.record import AuditedModel


class StatisticItemQuerySet(models.QuerySet):
    def active(self) -> StatisticItemQuerySet:
        return self.filter(active=True)

    def for_calls(self) -> StatisticItemQuerySet:
        return self.filter(
            applies_to__in=[StatisticItem.AppliesTo.CALLS, StatisticItem.AppliesTo.BOTH]
        )

    def for_orders(self) -> StatisticItemQuerySet:
        return self.filter(
            applies_to__in=[StatisticItem.AppliesTo.ORDERS, StatisticItem.AppliesTo.BOTH]
        )


class StatisticItem(AuditedModel, BilingualLabel):
    class AppliesTo(models.TextChoices):
        CALLS = "calls", _("Calls")
        ORDERS = "orders", _("Work orders")
        BOTH = "both", _("Calls and work orders")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = StatisticItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("statistic item")
        verbose_name_plural = _("statistic items")
        ordering = ["sort_order", "code"]
