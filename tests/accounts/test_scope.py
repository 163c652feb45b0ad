"""Data scope as a matrix: role × bound region × object region, via selectors and via HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.models import Role
from hotline.accounts.scope import regions_in_scope
from hotline.customers.models import Customer
from hotline.customers.selectors import customer_list, get_customer_for
from tests import factories

ALL = {"c1a", "c1b", "c2a"}

# (role, regions the user is bound to, customers the user must see)
MATRIX = [
    (Role.AGENT, ["city"], ALL),
    (Role.AGENT, ["d1"], {"c1a", "c1b"}),
    (Role.AGENT, ["s1a"], {"c1a"}),
    (Role.AGENT, ["s1a", "s2a"], {"c1a", "c2a"}),
    (Role.AGENT, [], set()),
    (Role.TEAM_LEAD, ["d2"], {"c2a"}),
    (Role.DISPATCHER, ["s1b"], {"c1b"}),
    (Role.QA_INSPECTOR, [], ALL),
    (Role.MANAGER, [], ALL),
    (Role.MANAGER, ["s1a"], ALL),  # "all regions" wins over a binding
    (Role.ADMIN, [], ALL),
]


@pytest.mark.parametrize(("role", "bound", "expected"), MATRIX)
def test_customer_list_shows_exactly_the_customers_in_scope(world, role, bound, expected):
    user = factories.user(role, regions=[getattr(world, code) for code in bound])
    visible = {c.pk for c in customer_list(user=user)}
    assert visible == {getattr(world, name).pk for name in expected}


@pytest.mark.parametrize(("role", "bound", "expected"), MATRIX)
def test_customer_pages_return_404_outside_scope(world, client, role, bound, expected):
    user = factories.user(role, regions=[getattr(world, code) for code in bound])
    client.force_login(user)
    for name in ALL:
        response = client.get(reverse("customers:detail", args=[getattr(world, name).pk]))
        assert response.status_code == (200 if name in expected else 404), name
    listing = client.get(reverse("customers:list"))
    shown = {c.pk for c in listing.context["page"]}
    assert shown == {getattr(world, name).pk for name in expected}


def test_roles_without_customer_permission_get_403_not_the_data(world, client):
    for role in (Role.TECHNICIAN, Role.KNOWLEDGE_EDITOR):
        user = factories.user(role, regions=[world.city])
        client.force_login(user)
        assert client.get(reverse("customers:list")).status_code == 403
        assert client.get(reverse("customers:detail", args=[world.c1a.pk])).status_code == 403


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(reverse("customers:detail", args=[world.c1a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inactive_user_sees_nothing(world):
    user = factories.user(Role.MANAGER, is_active=False)
    assert regions_in_scope(user) == frozenset()


def test_scope_follows_region_moves(world, agent):
    """Moving station s2a under d1 brings its customers into the d1 agent's scope."""
    assert not Customer.objects.visible_to(agent).filter(pk=world.c2a.pk).exists()
    world.s2a.parent = world.d1
    world.s2a.save()
    agent.refresh_from_db()
    fresh = type(agent).objects.get(pk=agent.pk)
    assert Customer.objects.visible_to(fresh).filter(pk=world.c2a.pk).exists()


def test_get_customer_for_hides_existence_outside_scope(world, agent):
    from django.http import Http404

    assert get_customer_for(agent, world.c1a.pk) == world.c1a
    with pytest.raises(Http404):
        get_customer_for(agent, world.c2a.pk)


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_cached_scope_follows_binding_changes_at_once(world, agent):
    assert {c.pk for c in customer_list(user=fresh(agent))} == {world.c1a.pk, world.c1b.pk}
    agent.regions.add(world.d2)
    assert world.c2a.pk in {c.pk for c in customer_list(user=fresh(agent))}
    agent.regions.clear()
    assert list(customer_list(user=fresh(agent))) == []


def test_cached_scope_follows_role_changes(world, agent):
    role = agent.role
    role.all_regions = True
    role.save()
    assert world.c2a.pk in {c.pk for c in customer_list(user=fresh(agent))}


def test_cached_permissions_follow_role_permission_changes(world, agent):
    from django.contrib.auth.models import Permission

    assert not fresh(agent).has_perm("customers.unmask_personal_data")
    agent.role.permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    assert fresh(agent).has_perm("customers.unmask_personal_data")


def test_deactivated_user_loses_access_at_once(world, agent):
    agent.is_active = False
    agent.save()
    assert regions_in_scope(fresh(agent)) == frozenset()


def test_answers_are_kept_longer_where_every_process_shares_the_version(settings):
    from hotline.accounts.acl_cache import acl_ttl

    settings.REDIS_URL = None  # per-process memory caches: another process's edit shows late
    assert acl_ttl() == 60
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # one version in Redis: edits show at once
    assert acl_ttl() == 15 * 60
