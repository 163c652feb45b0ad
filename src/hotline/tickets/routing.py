"""Who should get an order: technicians serving its region, and the chain above them.

``dispatch_candidates`` ranks the technicians whose regions cover the order's region (the
station first, then the district, then the city), by required skill and open load.
``escalation_chain`` lists, from the order's region up the region tree, the people who own
an order nobody on the ground took: the region's dispatchers, its team leads, its
managers, then the whole-city managers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from hotline.accounts.models import Region, Role, Team, Technician, User
from hotline.config_cache import config_cached
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import WORKING_STATES

_SKILL_SPLIT = re.compile(r"[,，、;；/\s]+")


def skills_of(text: str) -> set[str]:
    return {part for part in _SKILL_SPLIT.split(text or "") if part}


def paths_up(region: Region) -> list[str]:
    """The region's path and its ancestors' paths, deepest first."""
    parts = [p for p in region.path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]


@dataclass(frozen=True)
class Candidate:
    technician: Technician
    load: int
    # 0 = serves the order's own region, 1 = the region above it, …; None = does not serve it.
    distance: int | None
    has_skill: bool

    @property
    def serves(self) -> bool:
        return self.distance is not None

    @property
    def full(self) -> bool:
        return self.load >= self.technician.max_open_orders

    @property
    def fits(self) -> bool:
        return self.serves and self.has_skill and not self.full and self.technician.active


def technician_loads(ids: Iterable[int]) -> dict[int, int]:
    ids = list(ids)
    if not ids:
        return {}
    rows = (
        Ticket.objects.filter(technician_id__in=ids, state__in=sorted(WORKING_STATES))
        .values("technician_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["technician_id"]: row["n"] for row in rows}


def dispatch_candidates(
    ticket: Ticket,
    *,
    skill: str | None = None,
    exclude: Iterable[int] = (),
    others: Iterable[Technician] = (),
) -> list[Candidate]:
    """Technicians serving ``ticket``'s region, best first; ``others`` (e.g. a cross-region
    choice) are ranked after them.

    1. Find the active technicians bound to the order's region or a region above it, and
       how far up that binding is.
    2. Count each one's open orders (dispatched, accepted, on site, pending customer).
    3. Rank: fits (serves, has the skill, below capacity) first, then nearest region, then
       lightest load, then the longest-serving (lowest id) for a stable order.
    """
    paths = paths_up(ticket.region)
    depth = {path: index for index, path in enumerate(paths)}
    skill = ticket.order_type.required_skill if skill is None else skill
    excluded = set(exclude)
    bindings = (
        User.regions.through.objects.filter(
            region__path__in=paths,
            user__is_active=True,
            user__technician__active=True,
        )
        .values_list("user__technician__id", "region__path")
        .order_by()
    )
    distance: dict[int, int] = {}
    for tech_id, path in bindings:
        if tech_id in excluded:
            continue
        distance[tech_id] = min(distance.get(tech_id, 99), depth[path])
    technicians = {
        t.pk: t for t in Technician.objects.filter(pk__in=list(distance)).select_related("user")
    }
    for other in others:
        if other.pk not in technicians and other.pk not in excluded:
            technicians[other.pk] = other
    loads = technician_loads(technicians)
    candidates = [
        Candidate(
            technician=tech,
            load=loads.get(tech.pk, 0),
            distance=distance.get(tech.pk),
            has_skill=not skill or skill in skills_of(tech.skills),
        )
        for tech in technicians.values()
    ]
    candidates.sort(
        key=lambda c: (
            not c.fits,
            c.distance if c.distance is not None else 99,
            c.load,
            c.technician.pk,
        )
    )
    return candidates


def best_technician(ticket: Ticket, *, exclude: Iterable[int] = ()) -> Technician | None:
    """The technician an automatic dispatch or reassignment picks, or ``None``."""
    for candidate in dispatch_candidates(ticket, exclude=exclude):
        if candidate.fits:
            return candidate.technician
        break
    return None


def serves(technician: Technician, region: Region) -> bool:
    """Whether ``technician`` is bound to ``region`` or a region above it."""
    user_id = technician.user_id
    bound = config_cached(
        "region_paths_of_user",
        user_id,
        lambda: frozenset(Region.objects.filter(users=user_id).values_list("path", flat=True)),
    )
    return not bound.isdisjoint(paths_up(region))


ESCALATION_ROLES = (Role.DISPATCHER, Role.TEAM_LEAD, Role.MANAGER)


def escalation_chain(region: Region) -> list[int]:
    """User ids who own an order of ``region`` in turn when nobody below acts.

    For the region and each region above it (nearest first): the dispatchers bound to it,
    the leads of its teams and the team leads bound to it, the managers bound to it. Then
    the managers who see every region. Everyone appears once, at their lowest level.
    Kept per process until regions, teams, roles or staff change (``config_cache``).
    """
    return list(config_cached("escalation_chain", region.pk, lambda: _chain_load(region)))


def _chain_load(region: Region) -> tuple[int, ...]:
    regions = {r.path: r.pk for r in Region.objects.filter(path__in=paths_up(region))}
    ordered = [regions[p] for p in paths_up(region) if p in regions]
    bound: dict[tuple[int, str], list[int]] = {}
    rows = (
        User.regions.through.objects.filter(
            region_id__in=ordered,
            user__is_active=True,
            user__role__code__in=ESCALATION_ROLES,
        )
        .values_list("region_id", "user__role__code", "user_id")
        .order_by("user_id")
    )
    for region_id, role, user_id in rows:
        bound.setdefault((region_id, role), []).append(user_id)
    leads: dict[int, list[int]] = {}
    for region_id, lead_id in (
        Team.objects.filter(region_id__in=ordered, lead__isnull=False, lead__is_active=True)
        .values_list("region_id", "lead_id")
        .order_by("lead_id")
    ):
        leads.setdefault(region_id, []).append(lead_id)
    chain: list[int] = []

    def add(ids: Iterable[int]) -> None:
        for user_id in ids:
            if user_id not in chain:
                chain.append(user_id)

    for region_id in ordered:
        add(bound.get((region_id, Role.DISPATCHER), []))
        add(leads.get(region_id, []))
        add(bound.get((region_id, Role.TEAM_LEAD), []))
        add(bound.get((region_id, Role.MANAGER), []))
    add(
        User.objects.filter(is_active=True, role__code=Role.MANAGER, role__all_regions=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return tuple(chain)
