from __future__ import annotations

from dataclasses import dataclass

import pytest

from hotline.accounts.models import Region, Role, User
from hotline.customers.models import Customer
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Permission and scope answers are cached; no test may see another test's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    """A small region tree with customers in it.

    city
    ├── d1 (district)
    │   ├── s1a (station)  customer c1a
    │   └── s1b (station)  customer c1b
    └── d2 (district)
        └── s2a (station)  customer c2a
    """

    city: Region
    d1: Region
    d2: Region
    s1a: Region
    s1b: Region
    s2a: Region
    c1a: Customer
    c1b: Customer
    c2a: Customer


@pytest.fixture
def world(db) -> World:
    city = factories.region("city", "常州市")
    d1 = factories.region("d1", "天宁区", city)
    d2 = factories.region("d2", "武进区", city)
    s1a = factories.region("s1a", "红梅站", d1)
    s1b = factories.region("s1b", "茶山站", d1)
    s2a = factories.region("s2a", "湖塘站", d2)
    return World(
        city,
        d1,
        d2,
        s1a,
        s1b,
        s2a,
        c1a=factories.customer(s1a, name="张伟"),
        c1b=factories.customer(s1b, name="李娜"),
        c2a=factories.customer(s2a, name="王芳"),
    )


@pytest.fixture
def agent(world: World) -> User:
    """An agent bound to district d1: sees c1a and c1b, not c2a."""
    return factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")


@pytest.fixture
def team_lead(world: World) -> User:
    return factories.user(Role.TEAM_LEAD, regions=[world.d1], username="lead_d1")


@pytest.fixture
def manager(world: World) -> User:
    return factories.user(Role.MANAGER, username="manager")


@pytest.fixture
def admin_user(world: World) -> User:
    return factories.user(Role.ADMIN, username="admin1", is_superuser=True)


@pytest.fixture
def login(client):
    def _login(user: User):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Browser tests last: their session-wide Playwright keeps an event loop running in the
    main thread, where later tests' ``asyncio.run`` would refuse to start."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
