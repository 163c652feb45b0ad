"""Every list page costs the same number of queries whether it shows N rows or N+k.

Each test builds N rows, counts the page's queries, adds k more rows of the same shape
(with their related rows: members, regions, roles), and counts again.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import AuditEntry, Role, Team
from hotline.audit.record import audit_record
from hotline.customers.models import ImportJob
from tests import factories


def queries_for(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def same_cost_at_n_and_n_plus_k(
    client, url: str, add_rows: Callable[[int], None], params: dict | None = None
) -> tuple[int, int]:
    counts = []
    for count in (3, 7):
        add_rows(count)
        # Adding people bumps the permission cache's version: the first request refills it.
        client.get(url, params or {})
        counts.append(queries_for(client, url, params))
    return counts[0], counts[1]


def test_customer_list(world, manager, client):
    client.force_login(manager)

    def add(count: int) -> None:
        for _ in range(count):
            factories.customer(world.s1a)  # with its phone row, as the service makes it

    n, n_k = same_cost_at_n_and_n_plus_k(client, reverse("customers:list"), add)
    assert n == n_k


def test_customer_search(world, manager, client):
    client.force_login(manager)

    def add(count: int) -> None:
        for _ in range(count):
            factories.customer(world.s1b, name="赵敏")

    n, n_k = same_cost_at_n_and_n_plus_k(
        client, reverse("customers:list"), add, params={"q": "赵敏"}
    )
    assert n == n_k


def test_teams(world, manager, client):
    client.force_login(manager)

    def add(count: int) -> None:
        for _ in range(count):
            lead = factories.user(Role.TEAM_LEAD, regions=[world.d1])
            team = Team.objects.create(name=f"组{lead.pk}", lead=lead, region=world.d1)
            for role in (Role.AGENT, Role.AGENT, Role.QA_INSPECTOR):
                factories.user(role, regions=[world.d1], team=team)

    n, n_k = same_cost_at_n_and_n_plus_k(client, reverse("accounts:teams"), add)
    assert n == n_k


def test_technicians(world, manager, client):
    client.force_login(manager)

    def add(count: int) -> None:
        for _ in range(count):
            tech = factories.technician(world.s1a)
            tech.user.regions.add(world.s1b)

    n, n_k = same_cost_at_n_and_n_plus_k(client, reverse("accounts:technicians"), add)
    assert n == n_k


@pytest.mark.parametrize("filters", [{}, {"action": "update"}, {"category": "sign_in"}])
def test_audit_log(world, manager, client, filters):
    client.force_login(manager)

    def add(count: int) -> None:
        for _ in range(count):
            customer = factories.customer(world.s1a)
            customer.name = customer.name + "（改）"
            customer.save(update_fields=["name"])
            audit_record(action=AuditEntry.Action.LOGIN, obj=manager)

    n, n_k = same_cost_at_n_and_n_plus_k(client, reverse("accounts:audit"), add, filters)
    assert n == n_k


def test_import_jobs(world, team_lead, client):
    client.force_login(team_lead)

    def add(count: int) -> None:
        for number in range(count):
            ImportJob.objects.create(
                file_path=f"imports/{number}.csv",
                original_name=f"客户{number}.csv",
                file_format="csv",
                created_by=team_lead,
            )

    n, n_k = same_cost_at_n_and_n_plus_k(client, reverse("customers:import"), add)
    assert n == n_k
