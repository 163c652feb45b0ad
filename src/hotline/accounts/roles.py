"""The built-in roles and their default permissions.

Roles are rows that admins may edit; this module only creates the missing ones after each
``migrate`` (when Django's permissions exist), so an admin's changes are never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RoleDefault:
    code: str
    label_zh: str
    label_en: str
    all_regions: bool = False
    admin_site: bool = False
    all_permissions: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


DEFAULT_ROLES: tuple[RoleDefault, ...] = (
    RoleDefault("agent", "座席", "Agent"),
    RoleDefault("team_lead", "班长", "Team lead"),
    RoleDefault("dispatcher", "派单员", "Dispatcher"),
    RoleDefault("technician", "维修员", "Field technician"),
    RoleDefault("knowledge_editor", "知识编辑", "Knowledge editor"),
    RoleDefault("qa_inspector", "质检员", "QA inspector", all_regions=True),
    RoleDefault("manager", "经理", "Manager", all_regions=True),
    RoleDefault(
        "admin",
        "系统管理员",
        "Administrator",
        all_regions=True,
        admin_site=True,
        all_permissions=True,
    ),
)

# role code -> permissions ("app_label.codename") that each app hands that role by default.
_APP_DEFAULTS: dict[str, dict[str, set[str]]] = {}


def register_role_permissions(app_label: str, grants: dict[str, Iterable[str]]) -> None:
    """Declare the default permissions ``app_label`` gives each built-in role.

    Called from each app's ``AppConfig.ready``, so a new app never edits ``accounts/``.
    The grants reach a role once (see ``ensure_default_roles``).
    """
    _APP_DEFAULTS[app_label] = {role: set(perms) for role, perms in grants.items()}


def default_permissions(role_code: str) -> set[str]:
    return {perm for grants in _APP_DEFAULTS.values() for perm in grants.get(role_code, ())}


def register_accounts_permissions() -> None:
    register_role_permissions(
        "accounts",
        {
            "team_lead": ["accounts.view_team", "accounts.view_user"],
            "dispatcher": ["accounts.view_technician"],
            "manager": [
                "accounts.view_team",
                "accounts.view_user",
                "accounts.view_technician",
                "accounts.view_auditentry",
            ],
        },
    )


ROLE_NAMES = {
    "agent": _("Agent"),
    "team_lead": _("Team lead"),
    "dispatcher": _("Dispatcher"),
    "technician": _("Field technician"),
    "knowledge_editor": _("Knowledge editor"),
    "qa_inspector": _("QA inspector"),
    "manager": _("Manager"),
    "admin": _("Administrator"),
}


def ensure_default_roles() -> int:
    """Create the missing built-in roles and hand each its new default permissions.

    Returns how many roles were created. A permission is granted by default at most once
    per role (recorded in ``Role.granted_defaults``), so an admin's removal sticks while a
    permission that a new version adds to a role's defaults reaches existing installations.
    """
    from django.contrib.auth.models import Permission

    from hotline.accounts.models import Role
    from hotline.audit.context import audit_actor

    created = 0
    all_permissions = {
        f"{app}.{code}": pk
        for pk, app, code in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    with audit_actor(name="system"):
        for default in DEFAULT_ROLES:
            role, was_created = Role.objects.get_or_create(
                code=default.code,
                defaults={
                    "label_zh": default.label_zh,
                    "label_en": default.label_en,
                    "all_regions": default.all_regions,
                    "admin_site": default.admin_site,
                },
            )
            created += was_created
            wanted = (
                set(all_permissions)
                if default.all_permissions
                else default_permissions(default.code)
            )
            new = sorted((wanted & set(all_permissions)) - set(role.granted_defaults))
            if not new:
                continue
            role.permissions.add(*(all_permissions[name] for name in new))
            role.granted_defaults = sorted({*role.granted_defaults, *new})
            role.save(update_fields=["granted_defaults"])
    return created


def _after_migrate(sender, app_config=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
    # After every app's permissions exist: run for each app, it only adds what is new.
    if app_config is not None and app_config.models_module is not None:
        ensure_default_roles()


def connect() -> None:
    post_migrate.connect(_after_migrate, dispatch_uid="hotline_default_roles")
