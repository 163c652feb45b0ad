"""Figures for managers: on-time rates, repeat repairs, volumes, technicians' performance.

Every figure is one aggregate query over stored columns (deadlines and their "met" flags are
written when the order moves), scoped to the user's regions and a period in local time. The
definitions are in docs/metrics.md; this module is their one implementation, shared by the
page, the charts and the Excel export.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from hotline.accounts.models import Region
from hotline.periods import day_after, day_start
from hotline.tickets.models import SlaPolicy, Ticket
from hotline.tickets.workflow import OPEN_STATES, State

REPORTS = "tickets.view_ticket_reports"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_start(self.start), day_after(self.end)

    @classmethod
    def this_month(cls, today: datetime.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today.replace(day=1), today)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _scoped(user: Any, region: Region | None) -> QuerySet[Ticket]:
    if not user.has_perm(REPORTS):
        raise PermissionDenied(REPORTS)
    tickets = Ticket.objects.visible_to(user)
    if region is not None:
        tickets = tickets.filter(region__path__startswith=region.path)
    return tickets


def on_time(user: Any, period: Period, region: Region | None = None) -> list[dict[str, Any]]:
    """Per SLA policy: resolutions and closed loops in the period, and the share on time."""
    first, after = period.bounds
    tickets = _scoped(user, region)
    resolved = (
        tickets.filter(resolved_at__gte=first, resolved_at__lt=after, resolution_met__isnull=False)
        .values("sla_policy")
        .annotate(n=Count("id"), met=Count("id", filter=Q(resolution_met=True)))
    )
    closed = (
        tickets.filter(closed_at__gte=first, closed_at__lt=after, closure_met__isnull=False)
        .values("sla_policy")
        .annotate(n=Count("id"), met=Count("id", filter=Q(closure_met=True)))
    )
    by_policy: dict[int, dict[str, Any]] = {}
    for row in resolved:
        by_policy.setdefault(row["sla_policy"], {})["resolution"] = row
    for row in closed:
        by_policy.setdefault(row["sla_policy"], {})["closure"] = row
    policies = SlaPolicy.objects.in_bulk(list(by_policy))
    result = []
    for pk, rows in sorted(by_policy.items(), key=lambda item: str(policies.get(item[0], ""))):
        policy = policies.get(pk)
        resolution = rows.get("resolution", {"n": 0, "met": 0})
        closure = rows.get("closure", {"n": 0, "met": 0})
        result.append(
            {
                "policy": str(policy) if policy else "—",
                "target": _target_text(policy),
                "resolved": resolution["n"],
                "resolved_on_time": resolution["met"],
                "resolution_rate": _rate(resolution["met"], resolution["n"]),
                "closed": closure["n"],
                "closed_on_time": closure["met"],
                "closure_rate": _rate(closure["met"], closure["n"]),
            }
        )
    return result


def _target_text(policy: SlaPolicy | None) -> str:
    if policy is None:
        return ""
    amount = f"{policy.resolution_amount.normalize():f}"
    return f"{amount} {policy.get_resolution_unit_display()}"


def repeat_rate(user: Any, period: Period, region: Region | None = None) -> dict[str, Any]:
    """Orders opened in the period of types that count repeats; the share flagged repeat."""
    first, after = period.bounds
    row = (
        _scoped(user, region)
        .filter(created_at__gte=first, created_at__lt=after, order_type__counts_repeats=True)
        .aggregate(n=Count("id"), repeats=Count("id", filter=Q(repeat_of__isnull=False)))
    )
    return {**row, "rate": _rate(row["repeats"], row["n"])}


def volumes(user: Any, period: Period, region: Region | None = None) -> dict[str, Any]:
    """Orders opened in the period by type, by district (or the level below ``region``) and
    by their current state; and the open orders already past their resolution deadline."""
    first, after = period.bounds
    opened = _scoped(user, region).filter(created_at__gte=first, created_at__lt=after)
    by_type = list(
        opened.values("order_type__label_zh", "order_type__label_en")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    by_state = {row["state"]: row["n"] for row in opened.values("state").annotate(n=Count("id"))}
    depth = len(region.path.strip("/").split("/")) + 1 if region is not None else 2
    by_region: dict[str, int] = {}
    for row in opened.values("region__path").annotate(n=Count("id")):
        codes = [c for c in row["region__path"].strip("/").split("/") if c]
        code = codes[min(depth, len(codes)) - 1]
        by_region[code] = by_region.get(code, 0) + row["n"]
    names = dict(Region.objects.filter(code__in=list(by_region)).values_list("code", "name"))
    overdue = (
        _scoped(user, region)
        .filter(state__in=sorted(OPEN_STATES), resolution_due_at__lt=timezone.now())
        .count()
    )
    return {
        "total": sum(by_state.values()),
        "by_type": by_type,
        "by_state": [
            {"state": s, "label": str(State(s).label), "n": by_state[s]}
            for s in State.values
            if s in by_state
        ],
        "by_region": sorted(
            ({"code": c, "name": names.get(c, c), "n": n} for c, n in by_region.items()),
            key=lambda r: -r["n"],
        ),
        "overdue_open": overdue,
    }


def technicians(user: Any, period: Period, region: Region | None = None) -> list[dict[str, Any]]:
    """Per technician, the orders they resolved in the period: count, on-time %, repeat %
    (orders followed by a repeat report), average time from opening to on site."""
    first, after = period.bounds
    followed = Ticket.objects.filter(repeat_of=OuterRef("pk"))
    rows = (
        _scoped(user, region)
        .filter(resolved_at__gte=first, resolved_at__lt=after, technician__isnull=False)
        .annotate(repeated=Exists(followed))
        .values("technician", "technician__user__username", "technician__user__display_name")
        .annotate(
            resolved=Count("id"),
            on_time=Count("id", filter=Q(resolution_met=True)),
            with_deadline=Count("id", filter=Q(resolution_met__isnull=False)),
            repeats=Count("id", filter=Q(repeated=True)),
            to_site=Avg(
                ExpressionWrapper(F("arrived_at") - F("created_at"), output_field=DurationField()),
                filter=Q(arrived_at__isnull=False),
            ),
        )
        .order_by("-resolved", "technician__user__username")
    )
    return [
        {
            "technician": row["technician__user__display_name"]
            or row["technician__user__username"],
            "resolved": row["resolved"],
            "on_time_rate": _rate(row["on_time"], row["with_deadline"]),
            "repeat_rate": _rate(row["repeats"], row["resolved"]),
            "hours_to_site": round(_seconds(row["to_site"]) / 3600, 1)
            if row["to_site"] is not None
            else None,
        }
        for row in rows
    ]


def _seconds(value: Any) -> float:
    """A duration as seconds (PostgreSQL gives a timedelta; SQLite microseconds)."""
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


def figures(user: Any, period: Period, region: Region | None = None) -> dict[str, Any]:
    return {
        "period": period,
        "on_time": on_time(user, period, region),
        "repeat": repeat_rate(user, period, region),
        "volumes": volumes(user, period, region),
        "technicians": technicians(user, period, region),
    }
