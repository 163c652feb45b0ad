"""API times carry the installation's UTC offset (docs/api.md says so)."""

from __future__ import annotations

from datetime import datetime

from tests.integrations.conftest import bearer


def test_api_times_carry_the_installations_offset_whoever_the_client_acts_as(
    world, manager, issue_token, client
):
    manager.time_zone = "Europe/London"  # a preference for pages, not for the API
    manager.save(update_fields=["time_zone"])
    token = issue_token(manager)
    body = client.get(f"/api/v1/customers/{world.c1a.pk}/", **bearer(token)).json()
    assert body["created_at"].endswith("+08:00")
    assert datetime.fromisoformat(body["created_at"]) == world.c1a.created_at
