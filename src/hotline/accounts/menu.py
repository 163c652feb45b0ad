"""The main menu: an entry exists only for a page that works and that the user may use."""

from __future__ import annotations

from collections.abc import Callable
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
    any_of: tuple[str, ...] = ()  # instead of ``permission``: any one of these
    when: Callable[[Any], bool] | None = None  # and this holds for the user (a profile, …)

    def allowed(self, user: Any) -> bool:
        if not user.is_authenticated:
            return False
        if self.staff_only and not user.is_staff:
            return False
        if self.any_of:
            permitted = any(user.has_perm(permission) for permission in self.any_of)
        else:
            permitted = self.permission is None or user.has_perm(self.permission)
        return permitted and (self.when is None or self.when(user))

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_MENU: list[tuple[int, MenuEntry]] = []


def register_menu(entry: MenuEntry, *, order: int = 500) -> None:
    """Add ``entry`` to the main menu (called from each app's ``AppConfig.ready``).

    ``order`` places it: lower comes first. Registering the same key again replaces it, so
    a reloaded app does not add a second entry.
    """
    _MENU[:] = [(o, e) for o, e in _MENU if e.key != entry.key]
    _MENU.append((order, entry))
    _MENU.sort(key=lambda pair: pair[0])


def menu_entries() -> list[MenuEntry]:
    return [entry for _order, entry in _MENU]


def register_accounts_menu() -> None:
    register_menu(
        MenuEntry(
            "teams",
            _("Teams"),
            "accounts:teams",
            "accounts.view_team",
            description=_("Agent teams, their leads and members."),
        ),
        order=300,
    )
    register_menu(
        MenuEntry(
            "technicians",
            _("Technicians"),
            "accounts:technicians",
            "accounts.view_technician",
            description=_("Field technicians of your regions."),
        ),
        order=310,
    )
    register_menu(
        MenuEntry(
            "audit",
            _("Audit log"),
            "accounts:audit",
            "accounts.view_auditentry",
            description=_("Who changed what, and who viewed unmasked personal data."),
        ),
        order=900,
    )
    register_menu(
        MenuEntry(
            "admin",
            _("Administration"),
            "admin:index",
            staff_only=True,
            description=_("Users, roles, teams, regions, technicians and statistic items."),
        ),
        order=1000,
    )


def menu_entry_allowed(key: str, user: Any) -> bool:
    """Whether ``user`` may use the page of menu entry ``key`` (one rule for link and page)."""
    return any(entry.key == key and entry.allowed(user) for entry in menu_entries())


def menu_for(user: Any) -> list[MenuEntry]:
    return [entry for entry in menu_entries() if entry.allowed(user)]


# Where each role's day starts after logging in: the menu entry of its daily work, if the
# user (still) has it; otherwise the home page with its tiles.
LANDING = {
    "agent": "desk",
    "team_lead": "team",
    "dispatcher": "dispatch",
    "technician": "myorders",
    "knowledge_editor": "kbdesk",
    "manager": "orderreports",
    "qa_inspector": "calls",
}


def landing_url(user: Any) -> str | None:
    """The page ``user`` lands on after logging in, or None for the home page."""
    role = getattr(getattr(user, "role", None), "code", "")
    key = LANDING.get(role)
    if not key:
        return None
    for entry in menu_for(user):
        if entry.key == key:
            return entry.url
    return None
