"""What admins configure: order types with their forms, SLA policies, fee items."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.accounts.models import BilingualLabel
from hotline.audit.record import AuditedModel
from hotline.tickets.sla import Target, Targets


class Priority(models.TextChoices):
    MAJOR = "major", pgettext_lazy("priority", "Major")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    LOW = "low", pgettext_lazy("priority", "Low")


PRIORITY_RANK = {Priority.MAJOR: 0, Priority.NORMAL: 1, Priority.LOW: 2}


class TargetUnit(models.TextChoices):
    HOURS = "hours", _("hours (calendar time)")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


def _amount(verbose: object, *, required: bool = False) -> models.DecimalField:
    return models.DecimalField(
        verbose,
        max_digits=6,
        decimal_places=2,
        null=not required,
        blank=not required,
        validators=[MinValueValidator(Decimal("0.01"))],
    )


def _unit(default: str = TargetUnit.HOURS) -> models.CharField:
    return models.CharField(_("unit"), max_length=14, choices=TargetUnit.choices, default=default)


class SlaPolicy(AuditedModel, BilingualLabel):
    """Targets for an order: first response, on site, resolution, closed loop.

    Each target is an amount and a unit: calendar hours ("24 h", nights and Sundays
    included), working hours, or working days ("3 working days": the close of business of
    the third working day after the order opened) on the business calendar.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    response_amount = _amount(_("first response within"))
    response_unit = _unit()
    arrival_amount = _amount(_("on site within"))
    arrival_unit = _unit()
    resolution_amount = _amount(_("resolved within"), required=True)
    resolution_unit = _unit()
    closure_amount = _amount(_("loop closed within"))
    closure_unit = _unit(TargetUnit.WORKING_DAYS)
    calendar_name = models.CharField(
        _("business calendar"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the default calendar."),
    )
    accept_minutes = models.PositiveIntegerField(
        _("technician must accept within (minutes)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("After that the order is reassigned to another technician."),
    )
    escalate_minutes = models.PositiveIntegerField(
        _("each escalation level must act within (minutes)"),
        default=60,
        validators=[MinValueValidator(1)],
    )
    remind_minutes = models.PositiveIntegerField(
        _("remind the top of the chain every (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "While nobody takes an order at the top of the escalation chain, its owner is "
            "reminded at this interval. Empty: the installation's default."
        ),
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warn the owner at this share of the resolution time (percent)"), default=80
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["code"]

    def clean(self) -> None:
        if not 0 <= self.warn_percent < 100:
            raise ValidationError({"warn_percent": _("Give a share between 0 and 99.")})
        for kind in Targets.KINDS:
            amount = getattr(self, f"{kind}_amount")
            unit = getattr(self, f"{kind}_unit")
            if amount is not None and unit == TargetUnit.WORKING_DAYS and amount != int(amount):
                raise ValidationError(
                    {f"{kind}_amount": _("Working days are counted in whole days.")}
                )

    def targets(self) -> Targets:
        def target(kind: str) -> Target | None:
            amount = getattr(self, f"{kind}_amount")
            if amount is None:
                return None
            return Target(float(amount), getattr(self, f"{kind}_unit"))

        return Targets(
            response=target("response"),
            arrival=target("arrival"),
            resolution=target("resolution"),
            closure=target("closure"),
            warn_percent=self.warn_percent,
        )


class OrderType(AuditedModel, BilingualLabel):
    """A kind of work order (fault repair, installation, relocation, complaint …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    statistic_item = models.ForeignKey(
        "catalog.StatisticItem",
        verbose_name=_("statistic item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="+"
    )
    required_skill = models.CharField(
        _("required skill"),
        max_length=40,
        blank=True,
        help_text=_("Only technicians with this skill are dispatched automatically."),
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"),
        default=False,
        help_text=_("Dispatch new orders at once to the best fitting technician."),
    )
    requires_confirmation = models.BooleanField(
        _("customer confirmation code required"),
        default=False,
        help_text=_("The technician enters the code the customer received by SMS to resolve."),
    )
    counts_repeats = models.BooleanField(
        _("flag repeat repairs"),
        default=False,
        help_text=_("Flag an order for the same customer and fault category after a resolved one."),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("order type")
        verbose_name_plural = _("order types")
        ordering = ["sort_order", "code"]


class SlaRule(models.Model):
    """A policy for one order type at one priority (otherwise the type's own policy)."""

    order_type = models.ForeignKey(
        OrderType,
        verbose_name=_("order type"),
        on_delete=models.CASCADE,
        related_name="sla_rules",
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("SLA for a priority")
        verbose_name_plural = _("SLA for each priority")
        constraints = [
            models.UniqueConstraint(fields=["order_type", "priority"], name="slarule_type_prio")
        ]

    def __str__(self) -> str:
        return f"{self.order_type} / {self.get_priority_display()}"


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    DEVICE = "device", _("Customer device")
    ATTACHMENT = "attachment", _("Photo or attachment")


class FormField(AuditedModel, BilingualLabel):
    """One custom field of an order type's form."""

    order_type = models.ForeignKey(
        OrderType, verbose_name=_("order type"), on_delete=models.CASCADE, related_name="fields"
    )
    key = models.SlugField(_("key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=FieldKind.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For a choice: one option per line.")
    )
    min_value = models.DecimalField(
        _("minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_length = models.PositiveIntegerField(_("maximum length"), default=200)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["order_type", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order_type", "key"], name="formfield_type_key")
        ]

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == FieldKind.CHOICE and not self.choice_list():
            raise ValidationError({"choices": _("A choice field needs at least one option.")})


class FeeItem(AuditedModel, BilingualLabel):
    """A service charge an order may carry (settled monthly per service outlet)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["code"]
