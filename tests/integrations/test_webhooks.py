"""Outgoing webhooks: signed, kept in an outbox, retried with back-off until the receiver is up."""

from __future__ import annotations

import base64
import datetime
import http.server
import json
import threading

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hotline.accounts.models import AuditEntry
from hotline.integrations.models import WebhookDelivery, WebhookEndpoint
from hotline.integrations.webhooks.services import (
    MAX_ATTEMPTS,
    delivery_body,
    retry_delay,
    webhook_deliver_due,
    webhook_delivery_claim,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_publish,
)
from hotline.integrations.webhooks.signing import new_webhook_secret, webhook_signature_headers
from tests.integrations.conftest import bearer

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


# --- signatures (no database): verified with the Standard Webhooks reference library ---------


def test_a_signature_verifies_with_the_standard_webhooks_library_only_for_its_secret_and_body():
    secret, other = new_webhook_secret(), new_webhook_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"event":"customer.created","name":"张伟"}'.encode()
    now = datetime.datetime.now(datetime.UTC)
    headers = webhook_signature_headers(secret=secret, message_id="17", timestamp=now, body=body)
    assert headers["webhook-id"] == "17"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")

    assert Webhook(secret).verify(body, headers) == {"event": "customer.created", "name": "张伟"}
    for wrong_secret, wrong_body, wrong_headers in (
        (other, body, headers),
        (secret, body + b" ", headers),
        (secret, body, {**headers, "webhook-id": "18"}),
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(wrong_secret).verify(wrong_body, wrong_headers)


def test_an_old_signature_is_refused_by_receivers():
    secret = new_webhook_secret()
    then = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=6)
    headers = webhook_signature_headers(secret=secret, message_id="1", timestamp=then, body=b"{}")
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(b"{}", headers)


def test_the_timestamp_is_the_moment_whatever_its_time_zone():
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    moment = datetime.datetime(2025, 3, 3, 17, 0, tzinfo=shanghai)
    secret = new_webhook_secret()
    local = webhook_signature_headers(secret=secret, message_id="1", timestamp=moment, body=b"{}")
    utc = webhook_signature_headers(
        secret=secret, message_id="1", timestamp=moment.astimezone(datetime.UTC), body=b"{}"
    )
    assert local == utc
    assert local["webhook-timestamp"] == str(int(T0.timestamp()))


def test_back_off_doubles_from_thirty_seconds_and_is_capped():
    delays = [retry_delay(n).total_seconds() for n in range(1, 6)]
    assert delays == [30, 60, 120, 240, 480]
    assert retry_delay(30) == datetime.timedelta(hours=6)


# --- a real receiver -------------------------------------------------------------------------


class Receiver:
    """A local HTTP receiver on 127.0.0.1 that can be down, failing (500) or accepting (204)."""

    def __init__(self) -> None:
        self.status = 204
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.server: http.server.HTTPServer | None = None
        self.port = self._serve(0)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def _serve(self, port: int) -> int:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.server_address[1]

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        self._serve(self.port)


@pytest.fixture
def receiver(settings):
    # The receiver runs on the loopback, which only an operator's setting allows.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    server = Receiver()
    yield server
    server.down()


def _endpoint(url: str, events=("customer.created",)) -> tuple[WebhookEndpoint, str]:
    return webhook_endpoint_create(name="ERP", url=url, events=events, by=None)


def test_delivery_is_retried_after_back_off_and_arrives_once_when_the_receiver_is_back(
    db, receiver
):
    _endpoint_row, secret = _endpoint(receiver.url)
    with transaction.atomic():
        (delivery,) = webhook_publish(event="customer.created", payload={"customer": {"id": 7}})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=T0)

    receiver.down()
    first = webhook_deliver_due(now=T0)
    delivery.refresh_from_db()
    assert (first.retrying, delivery.attempts, delivery.status) == (1, 1, "pending")
    assert delivery.next_attempt_at == T0 + datetime.timedelta(seconds=30)
    assert "ConnectError" in delivery.last_error

    receiver.up()
    receiver.status = 500
    assert webhook_deliver_due(now=T0 + datetime.timedelta(seconds=29)).retrying == 0
    assert receiver.received == []  # not due yet: nothing sent
    second = webhook_deliver_due(now=T0 + datetime.timedelta(seconds=30))
    delivery.refresh_from_db()
    assert second.retrying == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at == T0 + datetime.timedelta(seconds=90)

    receiver.status = 204
    back = T0 + datetime.timedelta(seconds=90)
    third = webhook_deliver_due(now=back)
    delivery.refresh_from_db()
    assert third.delivered == 1
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("delivered", 3, back)
    assert webhook_deliver_due(now=back + datetime.timedelta(hours=1)).delivered == 0

    # Two requests reached the server (500, then 204); both carry the same delivery id.
    assert len(receiver.received) == 2
    assert [h["webhook-id"] for h, _b in receiver.received] == [str(delivery.pk)] * 2
    headers, body = receiver.received[-1]
    assert headers["X-Hotline-Event"] == "customer.created"
    assert body == delivery_body(delivery)
    assert headers["webhook-timestamp"] == str(int(back.timestamp()))
    expected = webhook_signature_headers(
        secret=secret, message_id=str(delivery.pk), timestamp=back, body=body
    )
    assert headers["webhook-signature"] == expected["webhook-signature"]
    envelope = json.loads(body)
    assert envelope["id"] == delivery.pk and envelope["data"] == {"customer": {"id": 7}}


def test_a_delivery_gives_up_after_the_last_attempt_and_can_be_sent_again(
    db, receiver, admin_user, client
):
    _endpoint(receiver.url)
    (delivery,) = webhook_publish(event="customer.created", payload={"n": 1})
    receiver.status = 503
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        delivery.refresh_from_db()
        webhook_deliver_due(now=max(now, delivery.next_attempt_at))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS

    receiver.status = 200
    client.force_login(admin_user)
    client.post(
        reverse("admin:integrations_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    assert webhook_deliver_due(now=timezone.now()).delivered == 1
    assert AuditEntry.objects.filter(
        action="system", model="integrations.webhookdelivery", actor=admin_user
    ).exists()


def test_redelivering_a_delivered_event_sends_it_under_a_new_id(db, receiver):
    _endpoint(receiver.url)
    (delivery,) = webhook_publish(event="customer.created", payload={"n": 1})
    webhook_deliver_due(now=timezone.now())
    copy = webhook_delivery_redeliver(delivery=delivery, by=None)
    assert copy.pk != delivery.pk
    webhook_deliver_due(now=timezone.now())
    assert [h["webhook-id"] for h, _b in receiver.received] == [
        str(delivery.pk),
        str(copy.pk),
    ]


# --- the outbox ------------------------------------------------------------------------------


def test_publish_writes_rows_only_for_active_endpoints_that_want_the_event(db):
    wants, _ = _endpoint("http://a.example/", events=["customer.created"])
    _endpoint("http://b.example/", events=["customer.updated"])
    everything, _ = _endpoint("http://c.example/", events=["*"])
    off, _ = _endpoint("http://d.example/", events=["*"])
    off.active = False
    off.save(update_fields=["active"])

    rows = webhook_publish(event="customer.created", payload={})
    assert {row.endpoint_id for row in rows} == {wants.pk, everything.pk}


def test_nothing_is_published_when_the_change_rolls_back(db):
    _endpoint("http://a.example/")
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_publish(event="customer.created", payload={})
        raise RuntimeError("the business change failed")
    assert not WebhookDelivery.objects.exists()


def test_publish_enqueues_the_delivery_task_after_commit(db, django_capture_on_commit_callbacks):
    _endpoint("http://a.example/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        webhook_publish(event="customer.created", payload={})
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    assert DBTaskResult.objects.get().task_path.endswith("webhooks.tasks.webhook_deliver")


def test_a_delivery_is_claimed_by_one_worker_only(db):
    _endpoint("http://a.example/")
    (row,) = webhook_publish(event="customer.created", payload={})
    worker_a = WebhookDelivery.objects.get(pk=row.pk)
    worker_b = WebhookDelivery.objects.get(pk=row.pk)
    assert webhook_delivery_claim(delivery=worker_a, now=timezone.now())
    assert not webhook_delivery_claim(delivery=worker_b, now=timezone.now())
    assert WebhookDelivery.objects.get(pk=row.pk).attempts == 1


# --- managing endpoints through the API ------------------------------------------------------


def test_endpoints_are_managed_with_the_webhooks_scope(client, world, admin_user, issue_token):
    body = {"name": "ERP", "url": "https://erp.example/hook", "events": ["customer.created"]}
    no_scope = client.post(
        "/api/v1/webhooks/endpoints/",
        body,
        content_type="application/json",
        **bearer(issue_token(admin_user)),
    )
    assert no_scope.status_code == 403

    token = issue_token(admin_user, ["webhooks:manage"])
    created = client.post(
        "/api/v1/webhooks/endpoints/", body, content_type="application/json", **bearer(token)
    )
    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret
    listed = client.get("/api/v1/webhooks/endpoints/", **bearer(token)).json()
    assert [row["name"] for row in listed] == ["ERP"] and "secret" not in listed[0]


def test_an_agent_token_cannot_manage_endpoints_even_with_the_scope(
    client, world, agent, issue_token
):
    token = issue_token(agent, ["webhooks:manage"])
    response = client.get("/api/v1/webhooks/endpoints/", **bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
