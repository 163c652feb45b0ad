"""Large lists page without counting every row."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories


def test_customer_list_pages_forward_and_back_without_count(world, manager, client, settings):
    settings.HOTLINE_PAGE_SIZE = 2  # three world customers + two more: three pages
    for _ in range(2):
        factories.customer(world.s1a)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("customers:list"))
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert first.context["page"].has_next() and not first.context["page"].has_previous()
    assert 'rel="next"' in first.content.decode()
    last = client.get(reverse("customers:list"), {"page": 3})
    assert len(last.context["page"]) == 1
    assert not last.context["page"].has_next() and last.context["page"].has_previous()
    # A page past the end or a malformed number falls back to the first page.
    assert client.get(reverse("customers:list"), {"page": 99}).context["page"].number == 1
    assert client.get(reverse("customers:list"), {"page": "x"}).context["page"].number == 1
    # A number past what the database's OFFSET takes is past the end too, not a server error.
    for huge in ("99999999999999999999", str(2**63)):
        response = client.get(reverse("customers:list"), {"page": huge})
        assert response.status_code == 200 and response.context["page"].number == 1


def test_audit_log_pages_without_count(world, manager, client, settings):
    settings.HOTLINE_PAGE_SIZE = 3
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("accounts:audit")).context["page"]
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert len(page) == 3 and page.has_next()
