"""Read queries for people, teams, technicians and the audit log, scoped by region."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, Q, QuerySet

from hotline.accounts.models import AuditEntry, Team, Technician, User
from hotline.accounts.scope import regions_in_scope
from hotline.periods import within_days


def team_list(*, user: User) -> QuerySet[Team]:
    """Teams ``user`` may see, each with its members (and their roles) in one more query."""
    members = Prefetch(
        "members",
        queryset=User.objects.select_related("role").order_by("username"),
        to_attr="member_list",
    )
    teams = Team.objects.select_related("lead", "region").prefetch_related(members)
    scope = regions_in_scope(user)
    if scope is not None:
        # A team lead sees the teams they lead or belong to; others see teams of their regions.
        teams = teams.filter(
            Q(lead=user) | Q(members=user) | Q(region_id__in=sorted(scope))
        ).distinct()
    return teams.order_by("name")


def technician_list(*, user: User) -> QuerySet[Technician]:
    technicians = Technician.objects.select_related("user").prefetch_related("user__regions")
    scope = regions_in_scope(user)
    if scope is None:
        return technicians.order_by("user__username")
    return (
        technicians.filter(user__regions__id__in=sorted(scope))
        .distinct()
        .order_by("user__username")
    )


def audit_entry_list(
    *,
    category: str = "",
    actor: str = "",
    action: str = "",
    model: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching the filters, newest first.

    ``category``: "" is changes and reads (sign-ins, which would flood the list, are left
    out), "sign_in" is only sign-ins, sign-outs and failed sign-ins, "all" is everything. A
    chosen ``action`` overrides the category.
    """
    from hotline.accounts.audit_display import SIGN_IN_ACTIONS

    entries = AuditEntry.objects.all()
    if not action and category == "sign_in":
        entries = entries.filter(action__in=SIGN_IN_ACTIONS)
    elif not action and category != "all":
        entries = entries.exclude(action__in=SIGN_IN_ACTIONS)
    if actor:
        entries = entries.filter(actor_name=actor)
    if action:
        entries = entries.filter(action=action)
    if model:
        entries = entries.filter(model=model)
    if object_id:
        entries = entries.filter(object_id=object_id)
    entries = entries.filter(within_days("at", date_from, date_to))
    return entries.order_by("-at", "-id")


def audit_models() -> list[str]:
    """Object types the audit log can name: Hotline's models (no scan of the log itself)."""
    return sorted(
        model._meta.label_lower
        for model in apps.get_models()
        if model.__module__.startswith("hotline.") and model is not AuditEntry
    )


def user_summary(*, user: Any) -> dict[str, Any]:
    return {
        "regions": list(user.regions.order_by("path")),
        "team": user.team,
    }
