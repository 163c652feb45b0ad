"""An API write that meets a held lock answers 503 ``busy`` with Retry-After, writes nothing,
and succeeds when retried after the lock is gone."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from hotline.customers.models import TimelineEntry
from tests.integrations.conftest import bearer
from tests.locks import write_lock_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_busy_timeout(settings):
    settings.DATABASE_BUSY_TIMEOUT_MS = 200
    connection.close()
    yield
    connection.close()


def test_a_note_posted_while_the_database_is_locked_gets_503_busy(
    world, agent, client, issue_token, short_busy_timeout
):
    token = issue_token(agent, scopes=["customers:read", "customers:write"])
    url = f"/api/v1/customers/{world.c1a.pk}/notes/"
    body = json.dumps({"title": "ERP: 已上门", "body": "换机顶盒"})
    with write_lock_held_elsewhere():
        busy = client.post(url, body, content_type="application/json", **bearer(token))
    assert busy.status_code == 503
    assert busy["Retry-After"] == "2"
    assert busy.json()["error"]["code"] == "busy"
    assert not TimelineEntry.objects.filter(customer=world.c1a, title="ERP: 已上门").exists()

    retried = client.post(url, body, content_type="application/json", **bearer(token))
    assert retried.status_code == 201
    assert TimelineEntry.objects.filter(customer=world.c1a, title="ERP: 已上门").count() == 1
