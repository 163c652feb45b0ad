"""Attachments over the API: listed, uploaded (multipart, limits as field errors, retry-safe
with an Idempotency-Key) and downloaded with the order page's rules; audited; published."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.accounts.models import AuditEntry
from hotline.events import recorded_events
from hotline.tickets.models import TicketAttachment
from tests import factories
from tests.tickets.test_api import token_for

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _url(ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.pk}/attachments/{suffix}"


def _upload(client, ticket, headers, *, name="box.png", content=PNG, kind="image/png", **extra):
    return client.post(
        _url(ticket),
        {"file": SimpleUploadedFile(name, content, content_type=kind)},
        **headers,
        **extra,
    )


def test_upload_list_and_download_an_orders_photo(desk, client, open_order):
    ticket = open_order()
    headers = token_for(desk.dispatcher)
    with recorded_events() as events:
        response = _upload(client, ticket, headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "box.png" and body["size"] == len(PNG)
    assert body["content_type"] == "image/png" and body["uploaded_by"] == "disp_s1a"
    attachment = TicketAttachment.objects.get(pk=body["id"])
    assert attachment.ticket_id == ticket.pk
    assert [e.name for e in events if e.name.startswith("ticket.")] == ["ticket.attached"]
    assert ticket.history.filter(action="attached", note="box.png").exists()
    assert AuditEntry.objects.filter(
        action="create", model="tickets.ticketattachment", object_id=str(attachment.pk)
    ).exists()

    listed = client.get(_url(ticket), **headers)
    assert listed.status_code == 200
    assert [(a["id"], a["download"]) for a in listed.json()] == [
        (attachment.pk, _url(ticket, f"{attachment.pk}/file/"))
    ]
    download = client.get(body["download"], **headers, HTTP_ACCEPT="image/png")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert "box.png" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(
        action="reveal", model="tickets.ticketattachment", object_id=str(attachment.pk)
    ).exists()


def test_a_retried_upload_attaches_once_and_another_file_under_the_same_key_conflicts(
    desk, client, open_order
):
    ticket = open_order()
    headers = {**token_for(desk.dispatcher), "HTTP_IDEMPOTENCY_KEY": "photo-1"}
    first = _upload(client, ticket, headers)
    again = _upload(client, ticket, headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert ticket.attachments.count() == 1
    other = _upload(client, ticket, headers, content=PNG + b"other")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert ticket.attachments.count() == 1


def test_too_big_wrong_type_and_missing_file_are_field_errors(desk, client, open_order, settings):
    settings.TICKETS = {**settings.TICKETS, "ATTACHMENT_MAX_BYTES": MB}
    ticket = open_order()
    headers = token_for(desk.dispatcher)
    big = _upload(client, ticket, headers, content=PNG + b"\x00" * MB)
    assert big.status_code == 400
    assert big.json()["error"]["fields"]["file"][0]["code"] == "file_too_large"
    assert "1 MB" in big.json()["error"]["fields"]["file"][0]["message"]
    wrong = _upload(
        client,
        ticket,
        headers,
        name="run.exe",
        content=b"MZ\x90\x00",
        kind="application/x-msdownload",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["file"][0]["code"] == "file_type"
    missing = client.post(_url(ticket), {"note": "x"}, **headers)
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["file"][0]["code"] == "required"
    # Far beyond any allowed file: refused from its declared length before it is read.
    huge = _upload(client, ticket, headers, content=b"\x00" * (2 * MB + 4096))
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "request_too_large"
    json_body = client.post(_url(ticket), {"file": "x"}, content_type="application/json", **headers)
    assert json_body.status_code == 415
    assert ticket.attachments.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("x.png", b"<html><script>alert(document.cookie)</script></html>", "image/png"),
        ("x.jpg", b"<!DOCTYPE html><script>fetch('/api/')</script>", "image/jpeg"),
    ],
)
def test_a_script_calling_itself_a_photo_is_refused(desk, client, open_order, name, content, kind):
    """The bytes decide what a file is: a page or an SVG with a script would run on our
    origin when a dispatcher opened it."""
    ticket = open_order()
    response = _upload(
        client, ticket, token_for(desk.dispatcher), name=name, content=content, kind=kind
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"][0]["code"] == "file_type"
    assert ticket.attachments.count() == 0


def test_files_are_served_as_what_their_bytes_are_and_sandboxed(desk, client, open_order):
    ticket = open_order()
    headers = token_for(desk.dispatcher)
    # A real photo declared as something else is stored as what it is.
    body = _upload(client, ticket, headers, name="box.gif", kind="text/html").json()
    assert body["content_type"] == "image/png"
    for response in (
        client.get(body["download"], **headers),
        _page_file(client, desk, ticket, body["id"]),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def _page_file(client, desk, ticket, attachment_id):
    from django.urls import reverse

    client.force_login(desk.dispatcher)
    return client.get(reverse("tickets:file", args=[ticket.pk, attachment_id]))


def test_scopes_roles_and_regions_as_on_the_page(desk, client, open_order):
    ticket = open_order()
    attachment_id = _upload(client, ticket, token_for(desk.dispatcher)).json()["id"]
    file_url = _url(ticket, f"{attachment_id}/file/")
    # A token without the scope: refused whatever its user may do.
    no_scope = token_for(desk.dispatcher, scopes=("customers:read",))
    for response in (client.get(_url(ticket), **no_scope), client.get(file_url, **no_scope)):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
    read_only = token_for(desk.dispatcher, scopes=("tickets:read",))
    refused = _upload(client, ticket, read_only)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    # Another region's dispatcher: the order does not exist for them.
    stranger = token_for(factories.user("dispatcher", regions=[desk.world.s2a]))
    assert client.get(_url(ticket), **stranger).status_code == 404
    assert client.get(file_url, **stranger).status_code == 404
    assert _upload(client, ticket, stranger).status_code == 404
    # An attachment of another order is not found through this one.
    other = open_order()
    assert (
        client.get(_url(other, f"{attachment_id}/file/"), **token_for(desk.dispatcher)).status_code
        == 404
    )
    # A QA inspector sees the order but may not attach to it.
    inspector = factories.user("qa_inspector", regions=[desk.world.d1])
    headers = token_for(inspector)
    assert client.get(_url(ticket), **headers).status_code == 200
    assert _upload(client, ticket, headers).status_code == 403
    assert ticket.attachments.count() == 1


def test_an_upload_reaches_webhooks_subscribed_to_it(desk, client, open_order):
    from hotline.integrations.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        name="nms", url="https://nms.example/hook", secret="s", events=["ticket.attached"]
    )
    ticket = open_order()
    assert _upload(client, ticket, token_for(desk.dispatcher)).status_code == 201
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "ticket.attached"
    assert delivery.payload["attachment"]["name"] == "box.png"
    assert delivery.payload["ticket"]["number"] == ticket.number


def test_a_technician_attaches_to_their_own_order_only(desk, client, open_order):
    from hotline.tickets.services.dispatching import ticket_dispatch

    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    own = _upload(client, ticket, token_for(desk.tech_a.user))
    assert own.status_code == 201
    colleague = _upload(client, ticket, token_for(desk.tech_b.user))  # same station
    assert colleague.status_code == 403
    assert colleague.json()["error"]["code"] == "permission_denied"
    assert ticket.attachments.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "kept"),
    [
        ("invoice.pdf.exe", b"%PDF-1.4\n", "invoice.pdf.pdf"),
        ("photo.jpg", PNG, "photo.png"),
        ("scan.html", PNG, "scan.png"),
        ("meter", b"\xff\xd8\xff\xe0", "meter.jpg"),
        ("Box.JPEG", b"\xff\xd8\xff\xe0", "Box.JPEG"),
    ],
)
def test_a_files_name_ends_in_what_its_bytes_are(desk, client, open_order, name, content, kept):
    """The download keeps the uploaded name: a PDF named .exe would reach a dispatcher's PC as
    a program (and a photo named .html would open in the browser), so the extension follows
    the type the bytes were recognised as."""
    ticket = open_order()
    response = _upload(client, ticket, token_for(desk.dispatcher), name=name, content=content)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == kept
    attachment = TicketAttachment.objects.get(pk=response.json()["id"])
    assert attachment.file.name.endswith(kept.rsplit(".", 1)[-1])


def test_two_files_or_an_unknown_field_are_refused_not_dropped(desk, client, open_order):
    ticket = open_order()
    headers = token_for(desk.dispatcher)
    two = client.post(
        _url(ticket),
        {"file": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]},
        **headers,
    )
    assert two.status_code == 400
    assert two.json()["error"]["fields"]["file"][0]["code"] == "too_many_files"
    body = {
        "file": SimpleUploadedFile("a.png", PNG),
        "field_key": "photo",
        "other": SimpleUploadedFile("b.png", PNG),
    }
    extra = client.post(_url(ticket), body, **headers)
    assert extra.status_code == 400
    fields = extra.json()["error"]["fields"]
    assert {name: errors[0]["code"] for name, errors in fields.items()} == {
        "field_key": "unknown_field",
        "other": "unknown_field",
    }
    assert ticket.attachments.count() == 0
