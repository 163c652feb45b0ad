"""Customers (the foundation of the customer 360 view)."""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.audit import AuditedModel
from hotline.accounts.models import Region
from hotline.accounts.scope import RegionScopedQuerySet
from hotline.customers.id_numbers import id_number_problem
from hotline.customers.phones import normalize_phone


class CustomerQuerySet(RegionScopedQuerySet):
    region_field = "region"


class Customer(AuditedModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    id_number = models.CharField(_("ID-card number"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street"), max_length=100, blank=True)
    compound = models.CharField(_("residential compound"), max_length=100, blank=True)
    building = models.CharField(_("building"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    vip_level = models.PositiveSmallIntegerField(_("VIP level"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    personal_fields: ClassVar[tuple[str, ...]] = ("id_number", "phone")
    audit_masked: ClassVar[set[str]] = {"id_number", "phone"}

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        permissions = [("unmask_personal_data", _("Can see unmasked personal data"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.phone = normalize_phone(self.phone)
        if self.id_number:
            self.id_number = self.id_number.strip().upper()
            problem = id_number_problem(self.id_number)
            if problem:
                messages = {
                    "length": _("An ID-card number has 18 characters."),
                    "characters": _("An ID-card number is 17 digits followed by a digit or X."),
                    "birth_date": _("The birth date inside the ID-card number is not a real date."),
                    "check_digit": _("The check digit of the ID-card number is wrong."),
                }
                raise ValidationError({"id_number": messages[problem]})

    def full_address(self) -> str:
        return self.address
