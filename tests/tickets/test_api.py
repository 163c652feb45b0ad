"""The work-order API: same rules as the pages (scopes, roles, regions), idempotent opening,
illegal transitions as 409 naming both states, webhooks for every transition."""

from __future__ import annotations

import pytest

from hotline.integrations.api.tokens import api_token_issue
from hotline.integrations.models import ApiClient, WebhookDelivery, WebhookEndpoint
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def token_for(user, scopes=("tickets:read", "tickets:write")) -> dict[str, str]:
    client = ApiClient.objects.create(
        name=f"nms-{user.username}-{ApiClient.objects.count()}", user=user
    )
    _token, full = api_token_issue(client=client, scopes=scopes, by=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {full}"}


BODY = {
    "order_type": "fault-repair",
    "region": "s1a",
    "priority": "major",
    "description": "光节点 GJ-17 告警",
    "form": {"symptom": "无信号"},
    "external_ref": "NMS-ALARM-17",
}


def test_a_network_system_opens_an_order_once_however_often_it_retries(desk, client):
    headers = {**token_for(desk.dispatcher), "HTTP_IDEMPOTENCY_KEY": "alarm-17"}
    first = client.post("/api/v1/tickets/", BODY, content_type="application/json", **headers)
    again = client.post("/api/v1/tickets/", BODY, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.filter(external_ref="NMS-ALARM-17").count() == 1
    body = first.json()
    assert body["state"] == "new" and body["priority"] == "major" and body["region"] == "s1a"
    assert "history" not in body  # writes answer briefly; the order's page has it
    detail = client.get(f"/api/v1/tickets/{body['id']}/", **headers).json()
    assert [h["action"] for h in detail["history"]] == ["created", "owner_assigned"]
    assert Ticket.objects.get(pk=body["id"]).source == "api"


def test_bad_input_names_each_field(desk, client):
    bad = {**BODY, "form": {"symptom": "下雨"}, "priority": "huge"}
    response = client.post(
        "/api/v1/tickets/", bad, content_type="application/json", **token_for(desk.dispatcher)
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "priority" in fields
    unknown = client.post(
        "/api/v1/tickets/",
        {**BODY, "order_type": "nope"},
        content_type="application/json",
        **token_for(desk.dispatcher),
    )
    assert unknown.status_code == 400 and "order_type" in unknown.json()["error"]["fields"]
    service = client.post(
        "/api/v1/tickets/",
        {**BODY, "form": {"symptom": "下雨"}},
        content_type="application/json",
        **token_for(desk.dispatcher),
    )
    assert service.status_code == 400 and "form.symptom" in service.json()["error"]["fields"]
    assert not Ticket.objects.exists()


def test_a_read_only_token_cannot_open_orders(desk, client):
    response = client.post(
        "/api/v1/tickets/",
        BODY,
        content_type="application/json",
        **token_for(desk.dispatcher, scopes=("tickets:read",)),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_orders_outside_the_acting_users_regions_are_not_found(desk, client, open_order):
    from hotline.accounts.models import Role
    from tests import factories

    ticket = open_order()
    stranger = factories.user(Role.DISPATCHER, regions=[desk.world.s2a])
    headers = token_for(stranger)
    assert client.get(f"/api/v1/tickets/{ticket.pk}/", **headers).status_code == 404
    assert client.get("/api/v1/tickets/", **headers).json()["results"] == []
    action = client.post(
        f"/api/v1/tickets/{ticket.pk}/actions/",
        {"action": "cancel", "note": "x"},
        content_type="application/json",
        **headers,
    )
    assert action.status_code == 404
    outside = client.post(
        "/api/v1/tickets/",
        {**BODY, "customer": desk.world.c1a.pk, "region": None},
        content_type="application/json",
        **headers,
    )
    assert outside.status_code in (400, 404)


def test_the_workflow_through_the_api_and_a_409_for_an_illegal_step(desk, client, open_order):
    ticket = open_order()
    dispatcher = token_for(desk.dispatcher)
    technician = token_for(desk.tech_a.user)
    url = f"/api/v1/tickets/{ticket.pk}/actions/"

    def act(headers, **body):
        return client.post(url, body, content_type="application/json", **headers)

    early = act(technician, action="resolve", note="修好了")
    assert early.status_code == 409
    error = early.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "新建" in error["message"] and "已处理" in error["message"]
    assert act(dispatcher, action="dispatch", technician=desk.tech_a.pk).status_code == 200
    assert act(technician, action="accept").json()["state"] == "accepted"
    refused = act(dispatcher, action="accept")
    assert refused.status_code == 403
    assert act(technician, action="arrive").json()["state"] == "on_site"
    done = act(
        technician,
        action="resolve",
        note="更换分支器",
        confirmation_code=Ticket.objects.get(pk=ticket.pk).confirmation_code,
    )
    assert done.status_code == 200 and done.json()["state"] == "resolved"
    assert done.json()["contact_phone"].count("*") == 4


def test_every_transition_becomes_a_webhook_delivery(desk, client, open_order):
    endpoint = WebhookEndpoint.objects.create(
        name="nms", url="https://nms.example/hook", secret="s", events=["ticket.*", "*"]
    )
    ticket = open_order()
    headers = token_for(desk.dispatcher)
    client.post(
        f"/api/v1/tickets/{ticket.pk}/actions/",
        {"action": "dispatch", "technician": desk.tech_a.pk},
        content_type="application/json",
        **headers,
    )
    events = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event", flat=True))
    assert {"ticket.created", "ticket.owner_assigned", "ticket.dispatched"} <= events
    payload = WebhookDelivery.objects.get(event="ticket.dispatched").payload
    assert payload["ticket"]["number"] == ticket.number
    assert "contact_phone" not in payload["ticket"]


def test_order_types_describe_their_forms(desk, client):
    response = client.get("/api/v1/order-types/", **token_for(desk.agent))
    assert response.status_code == 200
    fault = next(t for t in response.json() if t["code"] == "fault-repair")
    assert [f["key"] for f in fault["fields"]] == ["symptom", "device", "photo"]
    assert fault["fields"][0]["choices"] == ["无信号", "马赛克", "机顶盒不开机"]


def test_ids_too_large_for_the_database_are_refused_by_field(desk, client):
    headers = token_for(desk.dispatcher)
    huge = "99999999999999999999"
    listing = client.get(f"/api/v1/tickets/?customer={huge}", **headers)
    assert listing.status_code == 400 and "customer" in listing.json()["error"]["fields"]
    assert client.get("/api/v1/tickets/?customer=abc", **headers).status_code == 400
    opened = client.post(
        "/api/v1/tickets/",
        {**BODY, "customer": int(huge)},
        content_type="application/json",
        **headers,
    )
    assert opened.status_code == 400 and "customer" in opened.json()["error"]["fields"]
    assert client.get(f"/api/v1/tickets/{huge}/", **headers).status_code == 404
    action = client.post(
        f"/api/v1/tickets/{huge}/actions/",
        {"action": "dispatch", "technician": int(huge)},
        content_type="application/json",
        **headers,
    )
    assert action.status_code == 400 and "technician" in action.json()["error"]["fields"]


def test_unknown_codes_are_named_in_the_users_language(desk, client):
    headers = {**token_for(desk.dispatcher), "HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    response = client.post(
        "/api/v1/tickets/",
        {**BODY, "region": "nowhere"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["region"][0]["code"] == "unknown_region"
    assert "Unknown" not in response.content.decode()


def test_fields_the_api_does_not_take_are_named_not_dropped(desk, client):
    headers = token_for(desk.dispatcher)
    response = client.post(
        "/api/v1/tickets/",
        {**BODY, "priorty": "major", "owner": 1},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"owner", "priorty"}
    assert fields["owner"][0]["code"] == "unknown_field"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"state": "\x00"}, "state", "invalid_choice"),
        ({"state": "lost"}, "state", "invalid_choice"),
        ({"external_ref": "NMS\x00"}, "external_ref", "null_characters_not_allowed"),
        ({"external_ref": "x" * 65}, "external_ref", "max_length"),
        ({"customer": "-1"}, "customer", "min_value"),
        ({"customer": "99999999999999999999"}, "customer", "max_value"),
        ({"customer": "x"}, "customer", "invalid"),
    ],
)
def test_list_filters_that_cannot_match_are_refused_by_name(desk, client, params, field, code):
    # An unknown state or a NUL reached the query: a 500 on PostgreSQL.
    response = client.get("/api/v1/tickets/", params, **token_for(desk.dispatcher))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][field][0]["code"] == code


def test_list_filters_narrow_the_orders(desk, client, open_order):
    ticket = open_order(external_ref="NMS-1")
    open_order()
    headers = token_for(desk.dispatcher)
    by_ref = client.get("/api/v1/tickets/", {"external_ref": "NMS-1", "customer": ""}, **headers)
    by_state = client.get("/api/v1/tickets/", {"state": ticket.state}, **headers)
    assert [row["number"] for row in by_ref.json()["results"]] == [ticket.number]
    assert len(by_state.json()["results"]) == 2


def test_a_replayed_order_masks_the_contact_phone_again_and_audits_an_unmasked_one(desk, client):
    from django.contrib.auth.models import Permission

    from hotline.accounts.models import AuditEntry

    unmask = Permission.objects.get(codename="unmask_personal_data")
    assert desk.dispatcher.has_perm("customers.unmask_personal_data")  # by their role
    scopes = ("tickets:read", "tickets:write", "customers:unmask")
    headers = {**token_for(desk.dispatcher, scopes), "HTTP_IDEMPOTENCY_KEY": "alarm-18"}
    body = {**BODY, "contact_phone": "13812345678"}
    first = client.post("/api/v1/tickets/", body, content_type="application/json", **headers)
    assert first.status_code == 201 and first.json()["contact_phone"] == "13812345678"
    reveals = AuditEntry.objects.filter(action="reveal", object_id=str(first.json()["id"]))
    assert reveals.count() == 1

    again = client.post("/api/v1/tickets/", body, content_type="application/json", **headers)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert reveals.count() == 2 and reveals.latest("id").changes["replay"] is True

    desk.dispatcher.role.permissions.remove(unmask)
    masked = client.post("/api/v1/tickets/", body, content_type="application/json", **headers)
    assert masked["Idempotent-Replayed"] == "true"
    assert masked.json()["contact_phone"] == "138****5678"
    assert "13812345678" not in masked.content.decode()
    assert reveals.count() == 2
    assert Ticket.objects.filter(external_ref="NMS-ALARM-17").count() == 1


def test_a_region_outside_the_callers_regions_gets_the_answer_of_one_that_does_not_exist(
    desk, client
):
    headers = token_for(desk.dispatcher)  # works in s1a only

    def refused(code: str) -> dict:
        body = {**BODY, "region": code, "external_ref": f"probe-{code}"}
        response = client.post("/api/v1/tickets/", body, content_type="application/json", **headers)
        assert response.status_code == 400
        return response.json()

    assert refused("s2a") == refused("nowhere")
    assert refused("s2a")["error"]["fields"]["region"][0]["code"] == "unknown_region"
    assert not Ticket.objects.filter(external_ref__startswith="probe-").exists()
