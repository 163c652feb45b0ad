"""Domain events: durable subscribers run with the change, the others after commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from hotline import events
from hotline.customers.services import customer_note_add
from hotline.events import publish, recorded_events, subscribe
from hotline.integrations.models import WebhookDelivery, WebhookEndpoint
from hotline.push.send import recorded_pushes


@pytest.fixture
def handlers():
    """Subscribe test handlers and remove them afterwards."""
    before = list(events._subscriptions)
    calls: list[tuple[str, str]] = []
    yield calls
    events._subscriptions[:] = before


def test_commit_subscribers_run_only_after_the_change_commits(db, handlers):
    subscribe("test.*", lambda e: handlers.append(("commit", e.name)))
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("test.happened", {"n": 1})
        raise RuntimeError("the change fails")
    assert handlers == []


def test_transaction_subscribers_roll_back_with_the_change(
    db, handlers, django_capture_on_commit_callbacks
):
    def fail(event):
        raise ValueError("outbox full")

    subscribe("test.durable", fail, phase="transaction")
    with pytest.raises(ValueError), transaction.atomic():
        publish("test.durable", {})


def test_a_failing_commit_subscriber_never_reaches_the_user(
    db, handlers, django_capture_on_commit_callbacks
):
    def broken(event):
        raise RuntimeError("push server gone")

    subscribe("test.after", broken)
    subscribe("test.after", lambda e: handlers.append(("second", e.data["n"])))
    with django_capture_on_commit_callbacks(execute=True):
        publish("test.after", {"n": 2})
    assert handlers == [("second", 2)]


def test_patterns_match_prefixes_and_exact_names(db, handlers, django_capture_on_commit_callbacks):
    subscribe("customer.*", lambda e: handlers.append(("prefix", e.name)))
    subscribe("customer.merged", lambda e: handlers.append(("exact", e.name)))
    with django_capture_on_commit_callbacks(execute=True):
        publish("customer.updated", {})
        publish("customer.merged", {})
        publish("customers.other", {})
    assert handlers == [
        ("prefix", "customer.updated"),
        ("prefix", "customer.merged"),
        ("exact", "customer.merged"),
    ]


def test_a_note_publishes_an_event_that_pushes_to_the_customer_page(
    world, agent, django_capture_on_commit_callbacks
):
    with (
        recorded_events() as seen,
        recorded_pushes() as pushes,
        django_capture_on_commit_callbacks(execute=True),
    ):
        customer_note_add(customer=world.c1a, by=agent, body="客户来电咨询")
    (event,) = seen
    assert event.name == "customer.note_added"
    assert event.actor_name == "agent_d1"
    (push,) = pushes
    assert push.group == f"customer.{world.c1a.pk}"
    assert push.event == "customer.note_added"
    assert push.data["by"] == "agent_d1"


def test_webhook_deliveries_are_written_in_the_publishers_transaction(db):
    WebhookEndpoint.objects.create(
        name="crm", url="https://crm.example.com/hook", events=["customer.created"], secret="s"
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("customer.created", {"customer": {"id": 1}})
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the change fails")
    assert WebhookDelivery.objects.count() == 0
    publish("customer.created", {"customer": {"id": 1}})
    publish("customer.updated", {"customer": {"id": 1}})  # not subscribed by the endpoint
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["customer.created"]
