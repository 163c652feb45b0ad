"""The main menu: an entry exists only for a page that works and that the user may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str | Promise
    url_name: str
    permission: str | None = None
    staff_only: bool = False
    description: str | Promise = ""

    def allowed(self, user: Any) -> bool:
        if not user.is_authenticated:
            return False
        if self.staff_only and not user.is_staff:
            return False
        return self.permission is None or user.has_perm(self.permission)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(
        "customers",
        _("Customers"),
        "customers:list",
        "customers.view_customer",
        description=_(
            "Find a customer by phone or its last digits, ID-card, name, account or address."
        ),
    ),
    MenuEntry(
        "import",
        _("Import customers"),
        "customers:import",
        "customers.import_customer",
        description=_("Load customers from a CSV or Excel file, checked row by row."),
    ),
    MenuEntry(
        "teams",
        _("Teams"),
        "accounts:teams",
        "accounts.view_team",
        description=_("Agent teams, their leads and members."),
    ),
    MenuEntry(
        "technicians",
        _("Technicians"),
        "accounts:technicians",
        "accounts.view_technician",
        description=_("Field technicians of your regions."),
    ),
    MenuEntry(
        "audit",
        _("Audit log"),
        "accounts:audit",
        "accounts.view_auditentry",
        description=_("Who changed what, and who viewed unmasked personal data."),
    ),
    MenuEntry(
        "admin",
        _("Administration"),
        "admin:index",
        staff_only=True,
        description=_("Users, roles, teams, regions, technicians and statistic items."),
    ),
)


def menu_for(user: Any) -> list[MenuEntry]:
    return [entry for entry in MENU if entry.allowed(user)]
