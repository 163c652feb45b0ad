"""Data scope: which regions' customers, orders and calls a user may see.

One rule, enforced here and nowhere else: a user sees the objects of their own regions and
every region below them, unless their role (or superuser status) says "all regions".
Every scoped model's queryset has ``visible_to(user)``; pages and API endpoints use it
through the selectors and ``get_<thing>_for(user, pk)`` helpers.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# One answer for a region code that names nothing and one that names a region outside the
# user's scope, wherever a code is typed (API, import): two answers would tell which codes
# exist.
REGION_REFUSED = _("Unknown region code or outside your regions.")
REGION_REFUSED_CODE = "unknown_region"


def region_for(user: Any, *, code: str | None = None, pk: int | None = None) -> Any:
    """The region with ``code`` (or ``pk``) if ``user`` may use it, else None, whether it
    does not exist or lies outside their regions (answer both with ``REGION_REFUSED``)."""
    from hotline.accounts.models import Region

    if code is not None:
        region = Region.objects.filter(code=code).first()
    elif pk is not None:
        region = Region.objects.filter(pk=pk).first()
    else:
        return None
    scope = regions_in_scope(user)
    if region is None or (scope is not None and region.pk not in scope):
        return None
    return region


def regions_in_scope(user: Any) -> frozenset[int] | None:
    """Ids of the regions ``user`` may see, or ``None`` for all regions."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_hotline_scope", False)
    if cached is not False:
        return cached
    from django.core.cache import cache

    from hotline.accounts.acl_cache import acl_key, acl_ttl
    from hotline.accounts.models import Region, Role

    scope: frozenset[int] | None
    key = acl_key(user, "scope")
    stored = cache.get(key)
    if stored is not None:
        scope = None if stored == "all" else frozenset(stored)
        user._hotline_scope = scope
        return scope
    if user.is_superuser or (
        user.role_id and Role.objects.filter(pk=user.role_id, all_regions=True).exists()
    ):
        scope = None
    else:
        paths = list(user.regions.values_list("path", flat=True))
        if not paths:
            scope = frozenset()
        else:
            condition = Q()
            for path in paths:
                condition |= Q(path__startswith=path)
            scope = frozenset(Region.objects.filter(condition).values_list("id", flat=True))
            if len(scope) == Region.objects.count():
                scope = None  # bound to the top of the tree: no filter needed at all
    cache.set(key, "all" if scope is None else sorted(scope), acl_ttl())
    user._hotline_scope = scope
    return scope


def sees_all_regions(user: Any) -> bool:
    return regions_in_scope(user) is None


class RegionScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a region; ``region_field`` names the foreign key."""

    region_field = "region"

    def visible_to(self, user: Any) -> Self:
        scope = regions_in_scope(user)
        if scope is None:
            return self
        if not scope:
            return self.none()
        return self.filter(**{f"{self.region_field}_id__in": sorted(scope)})
