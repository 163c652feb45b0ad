"""What a probe of the API found: scopes on every method, idempotency keys per token with
masking re-applied on replay, size and depth limits, and JSON answers for unknown paths."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings

from hotline.accounts.models import AuditEntry, Role
from hotline.customers.models import Customer
from hotline.integrations.api.idempotency import MAX_KEY_LENGTH
from hotline.integrations.api.parsers import MAX_DEPTH
from hotline.integrations.api.permissions import required_scopes_for
from hotline.integrations.api.tokens import api_token_issue
from hotline.integrations.models import ApiClient, ApiRequestLog, IdempotencyRecord
from tests import factories
from tests.integrations.conftest import bearer

CUSTOMERS = "/api/v1/customers/"
READ_WRITE = ["customers:read", "customers:write"]


def post_json(client, url, data, token, **headers):
    return client.post(
        url, json.dumps(data), content_type="application/json", **bearer(token), **headers
    )


@pytest.fixture
def writer(world):
    """An agent of district d1 who may create customers and see them unmasked."""
    person = factories.user(Role.AGENT, regions=[world.d1], username="writer_d1")
    person.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_customer", "change_customer", "unmask_personal_data"]
        )
    )
    return person


def two_tokens(user, first_scopes, second_scopes) -> tuple[str, str]:
    """Two tokens of one API client (as after a rotation, or one per service of the client)."""
    client = ApiClient.objects.create(name="ERP", user=user)
    _a, first = api_token_issue(client=client, scopes=first_scopes, by=None)
    _b, second = api_token_issue(client=client, scopes=second_scopes, by=None)
    return first, second


# --- scopes apply to every method ------------------------------------------------------------


def test_head_without_the_read_scope_is_403_and_says_nothing_about_a_phone(
    client, world, agent, issue_token
):
    write_only = issue_token(agent, ["customers:write"])
    known = client.head(CUSTOMERS, {"q": world.c1a.phone}, **bearer(write_only))
    unknown = client.head(CUSTOMERS, {"q": "13900000000"}, **bearer(write_only))
    assert known.status_code == unknown.status_code == 403
    assert known["Content-Length"] == unknown["Content-Length"]
    assert client.head(f"{CUSTOMERS}{world.c1a.pk}/", **bearer(write_only)).status_code == 403

    reader = issue_token(agent, ["customers:read"])
    assert client.head(CUSTOMERS, {"q": world.c1a.phone}, **bearer(reader)).status_code == 200


def test_options_needs_the_scopes_of_one_of_the_endpoints_methods(
    client, world, agent, issue_token
):
    unrelated = issue_token(agent, ["webhooks:manage"])
    refused = client.options(CUSTOMERS, **bearer(unrelated))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert client.options(CUSTOMERS, **bearer(issue_token(agent))).status_code == 200


def test_a_method_the_scope_table_forgets_is_refused_not_let_through():
    class View:
        required_scopes = {"GET": ["customers:read"]}

        def get(self): ...

        def delete(self): ...

    assert required_scopes_for(View(), "HEAD") == ["customers:read"]
    assert required_scopes_for(View(), "DELETE") is None  # HasApiScopes answers 403


# --- idempotency keys ------------------------------------------------------------------------


def test_an_idempotency_key_belongs_to_the_token_that_used_it(client, world, writer):
    unmasking, masked_only = two_tokens(writer, [*READ_WRITE, "customers:unmask"], READ_WRITE)
    body = {"name": "钱多多", "region": "s1b", "phone": "13812345678"}
    first = post_json(client, CUSTOMERS, body, unmasking, HTTP_IDEMPOTENCY_KEY="order-42")
    assert first.status_code == 201 and first.json()["phone"] == "13812345678"

    other = post_json(client, CUSTOMERS, body, masked_only, HTTP_IDEMPOTENCY_KEY="order-42")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert other.json()["phone"] == "138****5678"
    assert "13812345678" not in other.content.decode()


def test_a_replay_is_masked_again_for_a_caller_who_may_no_longer_unmask(client, world, writer):
    token, _unused = two_tokens(writer, [*READ_WRITE, "customers:unmask"], [])
    body = {"name": "钱多多", "region": "s1b", "phone": "13812345678", "id_number": ""}
    first = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="k")
    assert first.json()["phones"][0]["number"] == "13812345678"
    reveals = AuditEntry.objects.filter(action="reveal", object_id=str(first.json()["id"]))
    assert reveals.count() == 1

    # A replay for a caller who may unmask is an unmasked read: audited like the first.
    again = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="k")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert reveals.count() == 2
    assert reveals.latest("id").changes["replay"] is True

    writer.user_permissions.remove(Permission.objects.get(codename="unmask_personal_data"))
    masked = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="k")
    assert masked["Idempotent-Replayed"] == "true"
    assert masked.json()["phone"] == "138****5678"
    assert masked.json()["phones"][0]["number"] == "138****5678"
    assert "13812345678" not in masked.content.decode()
    assert reveals.count() == 2
    assert Customer.objects.filter(name="钱多多").count() == 1


def test_an_idempotency_key_over_the_limit_is_refused_not_cut(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    body = {"name": "钱多多", "region": "s1b"}
    long_key = "k" * (MAX_KEY_LENGTH + 1)
    refused = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY=long_key)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["Idempotency-Key"][0]["code"] == "max_length"
    assert not Customer.objects.filter(name="钱多多").exists()
    assert not IdempotencyRecord.objects.exists()

    # A key that differs from it only after the limit is its own key, not a collision.
    fits = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY=long_key[:-1])
    assert fits.status_code == 201
    assert IdempotencyRecord.objects.get().key == long_key[:-1]


def test_an_idempotency_key_with_a_nul_is_refused_by_name_and_logged(
    client, world, writer, issue_token
):
    # The refusal's request-log line stored the key as sent: PostgreSQL refuses a NUL (500).
    token = issue_token(writer, READ_WRITE)
    body = {"name": "钱多多", "region": "s1b"}
    refused = post_json(client, CUSTOMERS, body, token, HTTP_IDEMPOTENCY_KEY="k\x00ey")
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.json()["error"]["fields"]
    assert not Customer.objects.filter(name="钱多多").exists()
    assert ApiRequestLog.objects.get(status_code=400).idempotency_key == "k\ufffdey"


# --- size, depth, unknown paths --------------------------------------------------------------


def test_a_body_over_the_size_limit_is_413_in_the_error_shape(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        big = post_json(client, CUSTOMERS, {"name": "x" * 1000, "region": "s1b"}, token)
        small = post_json(client, CUSTOMERS, {"name": "小", "region": "s1b"}, token)
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "request_too_large"
    assert small.status_code == 201
    assert ApiRequestLog.objects.filter(status_code=413, error_code="request_too_large").exists()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_400_not_a_crash(client, world, writer, issue_token, depth):
    token = issue_token(writer, READ_WRITE)
    nested = '{"name": ' + "[" * depth + "]" * depth + ', "region": "s1b"}'
    response = client.post(CUSTOMERS, nested, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nesting_too_deep"


def test_json_within_the_depth_limit_is_read(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    nested = '{"name": "深", "region": "s1b", "extra": ' + "[" * 30 + "]" * 30 + "}"
    response = client.post(CUSTOMERS, nested, content_type="application/json", **bearer(token))
    # Read, not refused as too deep: the answer names the field the API does not take.
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["extra"][0]["code"] == "unknown_field"


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "\\ud800", "region": "s1b"}',
        '{"name": "张", "region": "s1b", "kind": "\\udfff"}',
        '{"name": "张", "region": "s1b", "phones": [{"\\ud83d": 1}]}',
    ],
)
def test_half_a_surrogate_pair_is_refused_not_a_crash(client, world, writer, issue_token, body):
    # Valid JSON but no text: the error message quoting the value could not be encoded (500).
    token = issue_token(writer, READ_WRITE)
    response = client.post(CUSTOMERS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unpaired_surrogate"
    assert not Customer.objects.filter(region=world.s1b, name="张").exists()


def test_a_whole_surrogate_pair_is_a_character_like_any_other(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    body = '{"name": "张\\ud83d\\ude00", "region": "s1b"}'
    response = client.post(CUSTOMERS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "张\U0001f600"


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "甲", "name": "乙", "region": "s1b"}',
        '{"name": "甲", "region": "s1b", "phones": [{"number": "13912345678", "number": "1"}]}',
    ],
)
def test_an_object_naming_a_key_twice_is_refused_not_read_as_its_last(
    client, world, writer, issue_token, body
):
    # JSON leaves a repeated key's meaning open: a proxy reading the first "name" and Hotline
    # keeping the last would each see another customer.
    token = issue_token(writer, READ_WRITE)
    response = client.post(CUSTOMERS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_key"
    assert response.json()["error"]["message"] == "JSON 请求体中的某个对象两次使用了同一个键。"
    assert not Customer.objects.filter(region=world.s1b, name__in=["甲", "乙"]).exists()


def test_a_json_null_body_is_refused_in_the_users_language(client, world, writer, issue_token):
    """DRF says "No data provided" in English only; the answer must read like the others."""
    token = issue_token(writer, READ_WRITE)
    response = client.post(CUSTOMERS, "null", content_type="application/json", **bearer(token))
    assert response.status_code == 400
    [problem] = response.json()["error"]["fields"]["non_field_errors"]
    assert problem["code"] == "null"
    assert problem["message"] == "请求内容为空：请发送一个 JSON 对象。"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/customers/", "/api/x"])
def test_any_method_on_an_unknown_api_path_is_a_json_404(world, agent, issue_token, path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = browser.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 404, (method, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"
    by_token = Client().post(
        path, "{}", content_type="application/json", **bearer(issue_token(agent))
    )
    assert by_token.status_code == 404 and by_token.json()["error"]["code"] == "not_found"


def test_an_api_path_without_its_trailing_slash_is_redirected_keeping_the_method(
    client, world, agent, issue_token
):
    response = client.get("/api/v1/customers?q=1", **bearer(issue_token(agent)))
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/customers/?q=1"


# --- found by fuzzing the OpenAPI schema (Schemathesis) ----------------------------------------


@pytest.mark.parametrize("query", ["\x00", "a\x00b", "139\x00", "\x7f张"])
def test_a_search_with_control_characters_is_answered_not_a_crash(
    client, world, agent, issue_token, query
):
    # PostgreSQL refuses NUL in text: the search used to end in a 500 there.
    response = client.get(CUSTOMERS, {"q": query}, **bearer(issue_token(agent)))
    assert response.status_code == 200
    client.force_login(agent)
    assert client.get("/customers/", {"q": query}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page_size": "null"}, "page_size"), ({"page": "0"}, "page"), ({"page": "x"}, "page")],
)
def test_paging_parameters_that_are_not_whole_numbers_are_refused_by_name(
    client, world, agent, issue_token, params, field
):
    response = client.get(CUSTOMERS, params, **bearer(issue_token(agent)))
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_text_fields_take_strings_only_as_the_schema_says(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    note = post_json(client, f"{CUSTOMERS}{world.c1a.pk}/notes/", {"title": "t", "body": 0}, token)
    assert note.status_code == 400
    assert note.json()["error"]["fields"]["body"][0]["code"] == "not_a_string"
    customer = post_json(client, CUSTOMERS, {"name": 12, "region": "s1b"}, token)
    assert customer.status_code == 400
    assert "name" in customer.json()["error"]["fields"]


@pytest.mark.parametrize("text", ["a\u202eb", "a\x1bb", "\u2066x"])
def test_a_note_refuses_controls_and_direction_overrides(client, world, writer, issue_token, text):
    token = issue_token(writer, READ_WRITE)
    for body in ({"title": text}, {"title": "t", "body": text}):
        note = post_json(client, f"{CUSTOMERS}{world.c1a.pk}/notes/", body, token)
        assert note.status_code == 400, note.content
        (field,) = note.json()["error"]["fields"]
        assert field == list(body)[-1]
    assert not world.c1a.timeline.exists()
    kept = post_json(
        client, f"{CUSTOMERS}{world.c1a.pk}/notes/", {"title": "t", "body": "一\n二\t三"}, token
    )
    assert kept.status_code == 201 and kept.json()["body"] == "一\n二\t三"


@pytest.mark.parametrize("level", ["3", 3.0, "3.0", True])
def test_a_number_field_takes_json_integers_only(client, world, writer, issue_token, level):
    token = issue_token(writer, READ_WRITE)
    created = post_json(
        client, CUSTOMERS, {"name": "赵四", "region": "s1b", "vip_level": level}, token
    )
    assert created.status_code == 400, created.content
    assert list(created.json()["error"]["fields"]) == ["vip_level"]
    assert not Customer.objects.filter(name="赵四").exists()


def test_a_change_refuses_phones_instead_of_dropping_them(client, world, writer, issue_token):
    token = issue_token(writer, READ_WRITE)
    body = {"name": "张伟伟", "phones": [{"number": "13811112222"}]}
    response = client.patch(
        f"{CUSTOMERS}{world.c1a.pk}/", json.dumps(body), content_type="application/json",
        **bearer(token),
    )  # fmt: skip
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["phones"][0]["code"] == "unknown_field"
    world.c1a.refresh_from_db()
    assert world.c1a.name == "张伟"
    assert not world.c1a.phones.filter(number="13811112222").exists()


def test_the_schema_states_the_limits_the_server_enforces(client, world):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/customers/"]["post"]
    (key,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["schema"]["maxLength"] == MAX_KEY_LENGTH
    assert {"409", "413"} <= set(create["responses"])
    listing = schema["paths"]["/api/v1/customers/"]["get"]["parameters"]
    assert all(p["schema"].get("minimum") == 1 for p in listing if p["name"].startswith("page"))
    endpoint = schema["components"]["schemas"]["WebhookEndpointInRequest"]
    assert endpoint["properties"]["events"]["minItems"] == 1
    webhook_create = schema["paths"]["/api/v1/webhooks/endpoints/"]["post"]["responses"]
    assert "409" in webhook_create


@pytest.mark.parametrize("region", ["\x00s1b", "s1b\x16", 7, ["s1b"]])
def test_a_region_code_that_cannot_be_one_is_refused_by_name(
    client, world, writer, issue_token, region
):
    # A NUL in the code reached the region lookup: a 500 on PostgreSQL.
    token = issue_token(writer, READ_WRITE)
    created = post_json(client, CUSTOMERS, {"name": "x", "region": region}, token)
    changed = client.patch(
        f"{CUSTOMERS}{world.c1a.pk}/",
        json.dumps({"region": region}),
        content_type="application/json",
        **bearer(token),
    )
    for response in (created, changed):
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["region"]


def test_a_signed_in_browser_without_the_csrf_token_is_told_so(world, agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    response = browser.post(CUSTOMERS, "{}", content_type="application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "csrf_failed" and "X-CSRFToken" in error["message"]
