"""Webhook receivers: public addresses only (checked on save and at every delivery, against
DNS rebinding), Standard Webhooks signatures that its library verifies, and a sweep that
picks up deliveries nothing else would."""

from __future__ import annotations

import base64
import datetime
import json

import httpx
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from hotline.integrations.models import WebhookDelivery, WebhookEndpoint
from hotline.integrations.webhooks.addresses import address_is_public
from hotline.integrations.webhooks.services import (
    CLAIM_LEASE,
    webhook_deliver_due,
    webhook_delivery_claim,
    webhook_endpoint_create,
    webhook_publish,
    webhook_sweep,
)
from tests.integrations.conftest import PUBLIC_ADDRESS, bearer
from tests.integrations.test_webhooks import Receiver

ENDPOINTS = "/api/v1/webhooks/endpoints/"


@pytest.fixture
def loopback_receiver():
    server = Receiver()
    yield server
    server.down()


# --- which addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),  # multicast
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("198.51.100.7", False),  # documentation
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.215.14", True),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 around 10.0.0.1
    ],
)
def test_only_public_unicast_addresses_may_receive_webhooks(address, public):
    assert address_is_public(address) is public


# --- refused when saved -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/api/v1/customers/",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.0.0.5/hook",
        "http://intranet.example/hook",  # resolves to a private address
        "http://mixed.example/hook",  # one public and one private answer
        "http://nowhere.invalid/hook",  # does not resolve
        "ftp://files.example/hook",
    ],
)
def test_an_endpoint_on_a_private_address_is_refused_through_the_api(
    client, world, admin_user, issue_token, dns, url
):
    dns["intranet.example"] = ["192.168.10.20"]
    dns["mixed.example"] = [PUBLIC_ADDRESS, "127.0.0.1"]
    token = issue_token(admin_user, ["webhooks:manage"])
    body = {"name": "ERP", "url": url, "events": ["customer.created"]}
    response = client.post(ENDPOINTS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "url" in error["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_a_public_endpoint_is_accepted_and_private_ones_when_the_operator_allows(
    client, world, admin_user, issue_token, settings
):
    token = issue_token(admin_user, ["webhooks:manage"])
    public = {"name": "ERP", "url": "https://erp.example/hook", "events": ["*"]}
    assert (
        client.post(ENDPOINTS, public, content_type="application/json", **bearer(token)).status_code
        == 201
    )

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    internal = {"name": "CRM", "url": "http://10.0.0.5/hook", "events": ["*"]}
    assert (
        client.post(
            ENDPOINTS, internal, content_type="application/json", **bearer(token)
        ).status_code
        == 201
    )


@pytest.mark.parametrize("private_allowed", [False, True])
@pytest.mark.parametrize(
    "url", ["https://erp.example:99999/hook", "https://erp.example:0/hook", "http://[::1]:70000/"]
)
def test_a_port_that_cannot_be_one_is_named_as_such(
    client, world, admin_user, issue_token, settings, url, private_allowed
):
    # It was "the host could not be resolved", and with private addresses allowed the
    # endpoint was saved: every delivery to it then failed.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = private_allowed
    token = issue_token(admin_user, ["webhooks:manage"])
    body = {"name": "ERP", "url": url, "events": ["*"]}
    response = client.post(ENDPOINTS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400, response.content
    assert "1 到 65535" in response.json()["error"]["fields"]["url"][0]["message"]
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_form_refuses_a_private_address_too(client, world, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"name": "x", "url": "http://169.254.169.254/", "events": ["*"], "active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not WebhookEndpoint.objects.exists()


# --- checked again at delivery ----------------------------------------------------------------


def test_a_name_that_rebinds_to_the_loopback_after_saving_gets_nothing(db, dns, loopback_receiver):
    dns["rebind.example"] = [PUBLIC_ADDRESS]
    webhook_endpoint_create(
        name="ERP",
        url=f"http://rebind.example:{loopback_receiver.port}/hook",
        events=["*"],
        by=None,
    )
    (delivery,) = webhook_publish(event="customer.created", payload={"customer": {"id": 1}})
    dns["rebind.example"] = ["127.0.0.1"]

    run = webhook_deliver_due(now=timezone.now())

    assert run.retrying == 1
    assert loopback_receiver.received == []
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("refused:") and "127.0.0.1" in delivery.last_error


def test_the_request_goes_to_the_checked_address_with_the_name_in_host_and_tls(db, dns):
    dns["hooks.example"] = [PUBLIC_ADDRESS]
    _endpoint, secret = webhook_endpoint_create(
        name="ERP", url="https://hooks.example:8443/in?x=1", events=["*"], by=None
    )
    (delivery,) = webhook_publish(event="customer.created", payload={"n": 1})
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(answer)) as transport_client:
        run = webhook_deliver_due(now=timezone.now(), client=transport_client)

    assert run.delivered == 1
    (request,) = seen
    assert (request.url.host, request.url.port, request.url.raw_path) == (
        PUBLIC_ADDRESS,
        8443,
        b"/in?x=1",
    )
    assert request.headers["Host"] == "hooks.example:8443"
    assert request.extensions["sni_hostname"] == "hooks.example"
    assert Webhook(secret).verify(request.content, dict(request.headers))["id"] == delivery.pk


def test_a_receiver_verifies_a_real_delivery_with_the_standard_webhooks_library(
    db, settings, loopback_receiver
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    _endpoint, secret = webhook_endpoint_create(
        name="ERP", url=loopback_receiver.url, events=["*"], by=None
    )
    (delivery,) = webhook_publish(event="customer.created", payload={"customer": {"name": "张伟"}})
    assert webhook_deliver_due(now=timezone.now()).delivered == 1

    ((headers, body),) = loopback_receiver.received
    envelope = Webhook(secret).verify(body, headers)
    assert envelope["id"] == delivery.pk
    assert envelope["data"] == {"customer": {"name": "张伟"}}
    assert headers["webhook-id"] == str(delivery.pk)


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_sends_lost_and_abandoned_deliveries_once(db, settings, loopback_receiver):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    webhook_endpoint_create(name="ERP", url=loopback_receiver.url, events=["*"], by=None)
    t0 = timezone.now()
    # Enqueue lost: the rows are due but no task was ever queued for them.
    lost = [webhook_publish(event="customer.created", payload={"n": n})[0] for n in range(3)]
    # A worker claimed this one and died: its lease runs out at t0 + CLAIM_LEASE.
    (abandoned,) = webhook_publish(event="customer.updated", payload={"n": 9})
    assert webhook_delivery_claim(delivery=abandoned, now=t0)

    early = webhook_sweep(now=t0 + CLAIM_LEASE - datetime.timedelta(seconds=1))
    assert (early.delivered, len(loopback_receiver.received)) == (3, 3)

    late = webhook_sweep(now=t0 + CLAIM_LEASE)
    assert late.delivered == 1
    assert webhook_sweep(now=t0 + CLAIM_LEASE).delivered == 0
    ids = sorted(int(h["webhook-id"]) for h, _b in loopback_receiver.received)
    assert ids == sorted([d.pk for d in lost] + [abandoned.pk])
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    abandoned.refresh_from_db()
    assert abandoned.attempts == 2  # the dead worker's try counts


# --- existing secrets -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_endpoints_key_in_the_standard_form():
    executor = MigrationExecutor(connection)
    executor.migrate([("integrations", "0002_sms_outbox")])
    old_apps = executor.loader.project_state([("integrations", "0002_sms_outbox")]).apps
    old_secret = "whsec_Zq0y-3_xLk9vT2pQmR7sWn4bHc8dJf6aEo1uYi5gKtA"
    old_apps.get_model("integrations", "WebhookEndpoint").objects.create(
        name="ERP", url="https://erp.example/", secret=old_secret, events=["*"]
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    new_secret = WebhookEndpoint.objects.get().secret
    assert new_secret == "whsec_" + base64.b64encode(old_secret.encode()).decode()
    body = json.dumps({"n": 1}).encode()
    from hotline.integrations.webhooks.signing import webhook_signature_headers

    headers = webhook_signature_headers(
        secret=new_secret,
        message_id="1",
        timestamp=datetime.datetime.now(datetime.UTC),
        body=body,
    )
    # The key bytes are the old secret's text: what the old scheme keyed its HMAC with.
    assert Webhook(old_secret.encode()).verify(body, headers) == {"n": 1}


# --- credentials in an endpoint's URL ---------------------------------------------------------

SECRET_URL = "https://erp:s3cret-pw@erp.example/hook?x=1"
MASKED_URL = "https://erp:***@erp.example/hook?x=1"


def test_a_password_in_the_url_is_listed_masked_by_the_api_and_kept_for_deliveries(
    client, world, admin_user, issue_token
):
    from hotline.accounts.models import AuditEntry

    token = issue_token(admin_user, ["webhooks:manage"])
    body = {"name": "ERP", "url": SECRET_URL, "events": ["*"]}
    created = client.post(ENDPOINTS, body, content_type="application/json", **bearer(token))
    assert created.status_code == 201, created.content
    assert created.json()["url"] == MASKED_URL
    listed = client.get(ENDPOINTS, **bearer(token))
    assert [row["url"] for row in listed.json()] == [MASKED_URL]
    assert "s3cret-pw" not in listed.content.decode()
    assert WebhookEndpoint.objects.get().url == SECRET_URL
    audited = AuditEntry.objects.filter(model="integrations.webhookendpoint")
    assert audited.exists() and not any("s3cret-pw" in str(e.changes) for e in audited)


def test_the_admin_lists_and_edits_the_url_without_showing_its_password(client, world, admin_user):
    endpoint, _secret = webhook_endpoint_create(
        by=admin_user, name="ERP", url=SECRET_URL, events=["customer.created"]
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:integrations_webhookendpoint_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "erp:***@erp.example" in html and "s3cret-pw" not in html
    change_url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    form = client.get(change_url).content.decode()
    assert "s3cret-pw" not in form and "erp:***@erp.example" in form

    # Sent back unchanged: the stored password stays.
    fields = {"name": "ERP 2", "url": MASKED_URL, "events": ["customer.created"], "active": "on"}
    saved = client.post(change_url, fields)
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url) == ("ERP 2", SECRET_URL)

    # "***" with another host would send the stored password elsewhere: typed again instead.
    moved = client.post(change_url, {**fields, "url": "https://erp:***@other.example/hook"})
    assert moved.status_code == 200
    assert moved.context["adminform"].form.errors["url"]
    endpoint.refresh_from_db()
    assert endpoint.url == SECRET_URL

    # A new password replaces the old one.
    client.post(change_url, {**fields, "url": "https://erp:new-pw@erp.example/hook"})
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp:new-pw@erp.example/hook"


def test_a_viewer_of_endpoints_sees_the_url_masked(client, world):
    from django.contrib.auth.models import Permission

    from tests import factories

    endpoint, _secret = webhook_endpoint_create(by=None, name="ERP", url=SECRET_URL, events=["*"])
    viewer = factories.user(None, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    client.force_login(viewer)
    page = client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "erp:***@erp.example" in html and "s3cret-pw" not in html
