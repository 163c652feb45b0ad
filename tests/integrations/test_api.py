"""The REST API: scope and masking as in the UI, idempotent writes, one error shape, rate
limits, every call logged, and an OpenAPI 3 schema with self-hosted docs."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.utils import translation

from hotline.accounts.models import AuditEntry, Role
from hotline.customers.models import Customer, CustomerPhone, TimelineEntry
from hotline.integrations.api.errors import MESSAGES
from hotline.integrations.models import ApiRequestLog, IdempotencyRecord, WebhookDelivery
from hotline.integrations.webhooks.services import webhook_endpoint_create
from tests import factories
from tests.integrations.conftest import bearer

CUSTOMERS = "/api/v1/customers/"
READ_WRITE = ["customers:read", "customers:write"]


def detail(pk: int) -> str:
    return f"{CUSTOMERS}{pk}/"


def post_json(client, url, data, token, method="post", **headers):
    return getattr(client, method)(
        url, json.dumps(data), content_type="application/json", **bearer(token), **headers
    )


@pytest.fixture
def writer(world):
    """An agent of district d1 who may also create and change customers."""
    person = factories.user(Role.AGENT, regions=[world.d1], username="writer_d1")
    person.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["add_customer", "change_customer"]
        )
    )
    return person


# --- scope and masking -----------------------------------------------------------------------


def test_a_district_token_sees_only_its_district(client, world, agent, issue_token):
    token = issue_token(agent)
    listing = client.get(CUSTOMERS, **bearer(token)).json()
    assert {row["id"] for row in listing["results"]} == {world.c1a.pk, world.c1b.pk}
    assert listing["count"] == 2

    outside = client.get(detail(world.c2a.pk), **bearer(token))
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "not_found"


def test_personal_data_is_masked_for_a_role_that_may_not_unmask(client, world, agent, issue_token):
    token = issue_token(agent, ["customers:read", "customers:unmask"])
    row = client.get(detail(world.c1a.pk), **bearer(token)).json()
    assert row["phone"] == world.c1a.phone[:3] + "****" + world.c1a.phone[-4:]
    assert "*" in row["id_number"] and row["id_number"] != world.c1a.id_number
    assert all("*" in phone["number"] for phone in row["phones"])
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_unmasked_reads_need_role_and_scope_and_are_audited(client, world, team_lead, issue_token):
    masked = issue_token(team_lead, ["customers:read"])
    assert "*" in client.get(detail(world.c1a.pk), **bearer(masked)).json()["phone"]
    assert not AuditEntry.objects.filter(action="reveal").exists()

    unmasking = issue_token(team_lead, ["customers:read", "customers:unmask"])
    row = client.get(detail(world.c1a.pk), **bearer(unmasking)).json()
    assert row["phone"] == world.c1a.phone and row["id_number"] == world.c1a.id_number
    reveal = AuditEntry.objects.get(action="reveal", object_id=str(world.c1a.pk))
    assert reveal.actor_id == team_lead.pk and reveal.changes["via"] == "api"

    client.get(CUSTOMERS, **bearer(unmasking))
    revealed = set(AuditEntry.objects.filter(action="reveal").values_list("object_id", flat=True))
    assert revealed == {str(world.c1a.pk), str(world.c1b.pk)}


def test_search_goes_through_the_scoped_selector(client, world, agent, issue_token):
    token = issue_token(agent)
    found = client.get(CUSTOMERS, {"q": world.c1b.name}, **bearer(token)).json()
    assert [row["id"] for row in found["results"]] == [world.c1b.pk]
    hidden = client.get(CUSTOMERS, {"q": world.c2a.name}, **bearer(token)).json()
    assert hidden["results"] == []


def test_detail_carries_accounts_subscriptions_and_devices(client, world, admin_user, issue_token):
    import datetime

    account = world.c1a.accounts.create(number="A-100")
    account.subscriptions.create(
        product_code="HD", product_name="高清基本包", starts_on=datetime.date(2024, 1, 1)
    )
    account.devices.create(kind="card", serial="8100123")
    row = client.get(detail(world.c1a.pk), **bearer(issue_token(admin_user))).json()
    assert row["accounts"][0]["number"] == "A-100"
    assert row["accounts"][0]["subscriptions"][0]["product_code"] == "HD"
    assert row["accounts"][0]["devices"][0]["serial"] == "8100123"


def test_a_browser_session_uses_the_role_permissions(client, world):
    # A QA inspector reads customers but may not create them.
    client.force_login(factories.user(Role.QA_INSPECTOR))
    assert client.get(CUSTOMERS).status_code == 200
    response = client.post(
        CUSTOMERS, {"name": "新客户", "region": "s1a"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


# --- writes ----------------------------------------------------------------------------------


def test_create_writes_an_audited_customer_and_a_webhook_event(client, world, writer, issue_token):
    webhook_endpoint_create(name="ERP", url="http://erp.example/hook", events=["*"], by=None)
    token = issue_token(writer, READ_WRITE)
    response = post_json(
        client,
        CUSTOMERS,
        {"name": "赵敏", "region": "s1a", "phone": "+86 139-0000-1111", "vip_level": 2},
        token,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.phone == "13900001111" and customer.region == world.s1a
    assert CustomerPhone.objects.get(customer=customer).is_primary
    assert body["phone"] == "139****1111"
    created = AuditEntry.objects.get(
        model="customers.customer", object_id=str(customer.pk), action="create"
    )
    assert created.actor_id == writer.pk
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "customer.created"
    assert delivery.payload["customer"]["id"] == customer.pk
    assert "13900001111" not in json.dumps(delivery.payload)


def test_create_outside_my_regions_is_refused(client, world, writer, issue_token):
    response = post_json(
        client, CUSTOMERS, {"name": "x", "region": "s2a"}, issue_token(writer, READ_WRITE)
    )
    assert response.status_code == 400
    assert "region" in response.json()["error"]["fields"]
    assert not Customer.objects.filter(name="x").exists()


def test_the_same_idempotency_key_replays_without_a_second_row(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    body = {"name": "钱多多", "region": "s1b"}
    first = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="order-42")
    again = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="order-42")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="钱多多").count() == 1

    other = post_json(
        client, CUSTOMERS, {**body, "name": "孙多多"}, token, HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert not Customer.objects.filter(name="孙多多").exists()


def test_a_failed_write_does_not_use_up_its_key(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    bad = post_json(client, CUSTOMERS, {"region": "s1a"}, token, HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = post_json(
        client, CUSTOMERS, {"name": "周全", "region": "s1a"}, token, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert good.status_code == 201


def test_patch_changes_fields_and_publishes_customer_updated(client, world, writer, issue_token):
    webhook_endpoint_create(
        name="ERP", url="http://erp.example/hook", events=["customer.updated"], by=None
    )
    token = issue_token(writer, READ_WRITE)
    response = post_json(
        client, detail(world.c1a.pk), {"name": "张伟伟", "street": "青洋路"}, token, "patch"
    )
    assert response.status_code == 200, response.json()
    world.c1a.refresh_from_db()
    assert world.c1a.name == "张伟伟" and world.c1a.street == "青洋路"
    change = AuditEntry.objects.filter(
        model="customers.customer", object_id=str(world.c1a.pk), action="update"
    ).latest("id")
    assert change.changes["name"] == ["张伟", "张伟伟"] and change.actor_id == writer.pk
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "customer.updated"
    assert sorted(delivery.payload["changed"]) == ["name", "street"]

    outside = post_json(client, detail(world.c2a.pk), {"name": "x"}, token, "patch")
    assert outside.status_code == 404


def test_a_note_lands_on_the_timeline(client, world, agent, issue_token):
    token = issue_token(agent, READ_WRITE)
    response = post_json(
        client, f"{detail(world.c1a.pk)}notes/", {"title": "ERP: 已上门", "body": "换机顶盒"}, token
    )
    assert response.status_code == 201
    entry = TimelineEntry.objects.get(customer=world.c1a)
    assert entry.kind == "note" and entry.author == agent and entry.body == "换机顶盒"
    assert AuditEntry.objects.filter(
        model="customers.timelineentry", object_id=str(entry.pk), actor=agent
    ).exists()
    outside = post_json(client, f"{detail(world.c2a.pk)}notes/", {"title": "x"}, token)
    assert outside.status_code == 404


# --- errors ----------------------------------------------------------------------------------


def test_validation_errors_name_each_field_and_reason(client, world, writer, issue_token):
    response = post_json(
        client,
        CUSTOMERS,
        {"region": "nowhere", "vip_level": -1},
        issue_token(writer, READ_WRITE),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "The request contains invalid data."
    assert error["fields"]["name"][0]["code"] == "required"
    assert error["fields"]["region"][0]["code"] == "unknown_region"
    assert error["fields"]["vip_level"][0]["code"] == "min_value"
    assert all(problem["message"] for problems in error["fields"].values() for problem in problems)


def test_model_validation_reaches_the_client_as_a_field_error(client, world, writer, issue_token):
    response = post_json(
        client,
        CUSTOMERS,
        {"name": "x", "region": "s1a", "id_number": "110105194912310021"},
        issue_token(writer, READ_WRITE),
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["id_number"]


def test_error_messages_are_chinese_by_default_and_follow_accept_language(
    client, world, writer, issue_token
):
    token = issue_token(writer, READ_WRITE)
    chinese = post_json(client, CUSTOMERS, {"region": "s1a"}, token).json()["error"]
    english = post_json(
        client, CUSTOMERS, {"region": "s1a"}, token, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["error"]
    assert chinese["code"] == english["code"] == "invalid"
    with translation.override("zh-hans"):
        assert chinese["message"] == str(MESSAGES["invalid"])
    assert english["message"] == "The request contains invalid data."
    assert english["fields"]["name"][0]["message"] == "This field is required."
    assert chinese["fields"]["name"][0]["message"] == "该字段是必填项。"


def test_unknown_api_urls_and_non_json_bodies_use_the_error_shape(
    client, world, writer, issue_token
):
    missing = client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    form = client.post(CUSTOMERS, {"name": "x"}, **bearer(issue_token(writer, READ_WRITE)))
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"


def test_rate_limit_answers_429_in_the_error_shape(client, world, agent, issue_token):
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["api"] = "2/min"
    token, other = issue_token(agent), issue_token(agent)
    with override_settings(REST_FRAMEWORK=rest):
        assert client.get(CUSTOMERS, **bearer(token)).status_code == 200
        assert client.get(CUSTOMERS, **bearer(token)).status_code == 200
        limited = client.get(CUSTOMERS, **bearer(token))
        # The limit is per token: another token of the same client is unaffected.
        assert client.get(CUSTOMERS, **bearer(other)).status_code == 200
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


# --- every call is logged --------------------------------------------------------------------


def test_every_call_is_logged_whatever_its_outcome(client, world, agent, issue_token):
    token = issue_token(agent)
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["api"] = "3/min"
    with override_settings(REST_FRAMEWORK=rest):
        calls = [
            client.get(CUSTOMERS, {"q": world.c1a.phone}, **bearer(token)),  # 200
            client.get(detail(world.c2a.pk), **bearer(token)),  # 404 (outside scope)
            post_json(client, CUSTOMERS, {"name": "x"}, token),  # 403 (scope)
            client.get(CUSTOMERS, **bearer("hl_bad.bad")),  # 401
            client.get(CUSTOMERS, **bearer(token)),  # 200
            client.get(CUSTOMERS, **bearer(token)),  # 429
        ]
    logged = list(ApiRequestLog.objects.order_by("id"))
    assert [row.status_code for row in logged] == [call.status_code for call in calls]
    assert [row.status_code for row in logged] == [200, 404, 403, 401, 200, 429]
    assert [row.error_code for row in logged][1:4] == [
        "not_found",
        "insufficient_scope",
        "invalid_token",
    ]
    assert all(row.user_id == agent.pk for i, row in enumerate(logged) if i != 3)
    assert logged[3].user_id is None and logged[3].token_id is None
    assert logged[0].path == CUSTOMERS and world.c1a.phone not in logged[0].path
    assert logged[0].client_id is not None and logged[0].token_id is not None


# --- schema and docs -------------------------------------------------------------------------


def test_the_schema_is_openapi_3_with_the_token_scheme(client, world):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3")
    assert "/api/v1/customers/" in schema["paths"]
    assert "/api/v1/customers/{id}/notes/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_the_docs_page_loads_nothing_from_other_hosts(client, world):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, "the page should load its scripts"
    external = [ref for ref in references if re.match(r"^(https?:)?//", ref)]
    assert external == []
    assert "cdn" not in html.lower()


def test_an_unexpected_failure_is_a_500_in_the_error_shape_and_logged(
    client, world, agent, issue_token, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("hotline.customers.selectors.customer_list", broken)
    response = client.get(CUSTOMERS, **bearer(issue_token(agent)))
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "RuntimeError: bug" in caplog.text
    assert ApiRequestLog.objects.get().error_code == "server_error"


def test_the_list_costs_the_same_queries_for_a_full_page(client, world, agent, issue_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = issue_token(agent)
    client.get(CUSTOMERS, **bearer(token))  # first call also touches last_used_at
    with CaptureQueriesContext(connection) as few:
        client.get(CUSTOMERS, **bearer(token))
    for _ in range(30):
        factories.customer(world.s1a)
    with CaptureQueriesContext(connection) as many:
        rows = client.get(CUSTOMERS, **bearer(token)).json()["results"]
    assert len(rows) == 32
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


def test_a_region_outside_the_writers_regions_is_answered_like_one_that_does_not_exist(
    client, world, writer, issue_token
):
    token = issue_token(writer, READ_WRITE)
    answers = [
        post_json(client, CUSTOMERS, {"name": "探针", "region": code}, token)
        for code in ("s2a", "no-such-region")
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["error"]["fields"]["region"][0]["code"] == "unknown_region"
    # Also with other mistakes in the same body: the same fields are named either way.
    bodies = [{"region": code, "vip_level": -1} for code in ("s2a", "no-such-region")]
    both = [post_json(client, CUSTOMERS, body, token).json() for body in bodies]
    assert both[0] == both[1]
    assert not Customer.objects.filter(name="探针").exists()
