"""The SMS outbox through its public surface: queueing, sending, retrying, delivery status."""

from __future__ import annotations

import datetime
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import AuditEntry
from hotline.events import recorded_events
from hotline.integrations.models import SmsMessage
from hotline.integrations.sms.services import (
    retry_delay,
    sms_check_delivery,
    sms_claim,
    sms_queue,
    sms_resend,
    sms_send_due,
)
from hotline.integrations.sms.tasks import sms_sweep
from tests.integrations.smsc import TestSmsc

pytestmark = pytest.mark.django_db(transaction=False)

NUMBER = "13912345678"


class FakeSmsProvider:
    """A real HTTP server on a loopback port standing in for an SMS provider's API.

    ``stop()`` takes it down (connections refused), ``start()`` brings it back on the same
    port. ``answers`` is a list of (status, JSON body) popped per send; empty = accept.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        self.statuses: dict[str, str] = {}
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeSmsProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                kind = self.headers.get("Content-Type", "")
                body = json.loads(raw) if "json" in kind else parse_qs(raw)
                provider.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if provider.answers:
                    self._reply(*provider.answers.pop(0))
                    return
                msgid = f"p{len(provider.requests)}"
                provider.statuses[msgid] = "DELIVRD"
                self._reply(200, {"code": 0, "data": {"msgid": msgid}})

            def do_GET(self) -> None:
                msgid = self.path.rsplit("/", 1)[-1]
                if msgid not in provider.statuses:
                    self._reply(404, {"code": 404})
                    return
                self._reply(200, {"code": 0, "data": {"state": provider.statuses[msgid]}})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def settings(self, **extra) -> dict:
        return {
            **settings.SMS,
            "BACKEND": "http",
            "SENDER": "【有线电视】",
            "HTTP_URL": f"http://127.0.0.1:{self.port}/api/send",
            "HTTP_TOKEN": "provider-token",
            "HTTP_BODY": json.dumps(
                {"mobile": "{to}", "content": "{sender}{text}", "out_id": "{reference}"}
            ),
            "HTTP_ID_PATH": "data.msgid",
            "HTTP_SUCCESS": "code=0",
            "HTTP_STATUS_URL": f"http://127.0.0.1:{self.port}/api/status/{{message_id}}",
            "HTTP_STATUS_PATH": "data.state",
            "HTTP_TIMEOUT_MS": 2000,
            **extra,
        }


@pytest.fixture
def provider():
    server = FakeSmsProvider().start()
    yield server
    server.stop()


@pytest.fixture
def smsc():
    server = TestSmsc().start()
    yield server
    server.stop()


def smpp_settings(smsc: TestSmsc, **extra) -> dict:
    return {
        **settings.SMS,
        "BACKEND": "smpp",
        "SENDER": "10690001",
        "SMPP_HOST": "127.0.0.1",
        "SMPP_PORT": smsc.port,
        "SMPP_SYSTEM_ID": "hotline",
        "SMPP_PASSWORD": "secret",
        "SMPP_TIMEOUT_S": 3,
        "SMPP_RECEIPT_WAIT_MS": 2000,
        **extra,
    }


def queue(text: str = "您的工单已派发", reference: str = "", **kwargs) -> SmsMessage:
    with transaction.atomic():
        return sms_queue(to=NUMBER, text=text, reference=reference, **kwargs)


# --- queueing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "text", "reference", "field"),
    [
        ("12345", "hi", "", "to"),
        ("0519-88001234", "hi", "", "to"),  # a landline cannot take a text
        (NUMBER, "   ", "", "text"),
        (NUMBER, "长" * 701, "", "text"),
        (NUMBER, "hi", "x" * 101, "reference"),
    ],
)
def test_bad_input_is_refused_naming_the_field(to, text, reference, field) -> None:
    with pytest.raises(ValidationError) as error:
        sms_queue(to=to, text=text, reference=reference)
    assert field in error.value.message_dict
    assert not SmsMessage.objects.exists()


def test_a_message_exists_exactly_when_the_callers_change_commits() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_queue(to=NUMBER, text="派单通知", reference="ticket:1:dispatch")
        raise RuntimeError("the caller's change failed")
    assert not SmsMessage.objects.exists()
    message = queue("派单通知", reference="ticket:1:dispatch")
    assert SmsMessage.objects.get().pk == message.pk


def test_numbers_are_normalised_and_the_queueing_is_audited_masked(admin_user) -> None:
    with recorded_events() as events:
        message = sms_queue(to="+86 139-1234-5678", text="测试", reference="r1", by=admin_user)
    assert message.to == NUMBER
    assert message.created_by == admin_user
    entry = AuditEntry.objects.get(model="integrations.smsmessage")
    assert entry.actor_name == admin_user.username
    assert NUMBER not in json.dumps(entry.changes)
    assert [e.name for e in events] == ["sms.queued"]
    # The audit log names the message in the reader's language (Chinese by default).
    assert entry.object_repr == f"短信 #{message.pk}（排队中）"


def test_queueing_the_same_reference_twice_sends_once() -> None:
    first = queue(reference="ticket:7:dispatch")
    again = queue(reference="ticket:7:dispatch")
    assert again.pk == first.pk
    other_number = sms_queue(to="13800000000", text="x", reference="ticket:7:dispatch")
    assert other_number.pk != first.pk
    unreferenced = [queue(), queue()]
    assert unreferenced[0].pk != unreferenced[1].pk


# --- console (the default) ------------------------------------------------------------------


def test_console_gateway_logs_the_message_and_marks_it_delivered(caplog) -> None:
    message = queue("维修员您好：工单GD001 地址 红梅新村3-201")
    with caplog.at_level(logging.INFO, logger="hotline.sms.console"):
        run = sms_send_due(now=timezone.now())
    assert run.delivered == 1
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.DELIVERED
    assert message.gateway == "console"
    assert message.attempts == 1
    assert "GD001" in caplog.text
    assert NUMBER not in caplog.text  # the number is masked in the log


def test_a_claimed_message_is_not_sent_by_a_second_sender() -> None:
    message = queue()
    now = timezone.now()
    rival = SmsMessage.objects.get(pk=message.pk)
    assert sms_claim(message=message, now=now) is True
    assert sms_claim(message=rival, now=now) is False
    assert sms_send_due(now=now).sent == 0  # leased: not due again until the lease ends


def test_messages_wait_for_send_after() -> None:
    now = timezone.now()
    message = queue(send_after=now + datetime.timedelta(minutes=5))
    assert sms_send_due(now=now).delivered == 0
    assert sms_send_due(now=now + datetime.timedelta(minutes=5)).delivered == 1
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.DELIVERED


# --- generic HTTP ---------------------------------------------------------------------------


def test_http_gateway_down_then_up_loses_nothing(provider) -> None:
    texts = [f"工单GD00{n}已派发" for n in range(3)]
    for n, text in enumerate(texts):
        queue(text, reference=f"ticket:{n}:dispatch")
    provider.stop()
    now = timezone.now()
    with override_settings(SMS=provider.settings()):
        down = sms_send_due(now=now)
        assert (down.retrying, down.deferred, down.sent) == (1, 2, 0)
        first = SmsMessage.objects.order_by("id").first()
        assert first.error_reason == "unreachable"
        assert first.next_attempt_at == now + retry_delay(1)
        # Still down a little later: one more try (the oldest due message), nothing failed.
        later = now + retry_delay(1)
        assert sms_send_due(now=later).retrying == 1
        assert sum(SmsMessage.objects.values_list("attempts", flat=True)) == 2
        assert SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED).count() == 3

        provider.start()
        up = sms_send_due(now=later + retry_delay(2))
        assert up.sent == 3
        statuses = sms_check_delivery(now=later + datetime.timedelta(hours=1))
        assert statuses.delivered == 3
    assert sorted(r["body"]["content"] for r in provider.requests) == sorted(
        "【有线电视】" + t for t in texts
    )
    assert all(r["auth"] == "Bearer provider-token" for r in provider.requests)
    assert {r["body"]["mobile"] for r in provider.requests} == {NUMBER}
    rows = SmsMessage.objects.all()
    assert {m.status for m in rows} == {SmsMessage.Status.DELIVERED}
    assert all(m.gateway == "http" and m.gateway_message_id.startswith("p") for m in rows)


@pytest.mark.parametrize(
    ("answer", "status", "reason"),
    [
        ((400, {"code": 400, "msg": "bad mobile"}), SmsMessage.Status.FAILED, "rejected"),
        ((200, {"code": 17, "msg": "blacklisted"}), SmsMessage.Status.FAILED, "rejected"),
        ((503, {"code": 503}), SmsMessage.Status.QUEUED, "server_error"),
        ((429, {"code": 429}), SmsMessage.Status.QUEUED, "throttled"),
        ((401, {"code": 401}), SmsMessage.Status.QUEUED, "rejected_credentials"),
    ],
)
def test_http_answers_decide_between_retry_and_failure(provider, answer, status, reason) -> None:
    provider.answers.append(answer)
    message = queue()
    with override_settings(SMS=provider.settings()), recorded_events() as events:
        sms_send_due(now=timezone.now())
    message.refresh_from_db()
    assert (message.status, message.error_reason) == (status, reason)
    if status == SmsMessage.Status.FAILED:
        assert [e.name for e in events] == ["sms.failed"]


def test_http_form_bodies_and_basic_auth(provider) -> None:
    queue("hello {to} braces stay", reference="r-form")
    custom = provider.settings(
        HTTP_FORMAT="form", HTTP_TOKEN="", HTTP_USERNAME="u", HTTP_PASSWORD="p"
    )
    with override_settings(SMS=custom):
        assert sms_send_due(now=timezone.now()).sent == 1
    sent = provider.requests[0]
    assert sent["body"]["content"] == ["【有线电视】hello {to} braces stay"]
    assert sent["body"]["out_id"][0].startswith("sms-")
    assert sent["auth"].startswith("Basic ")


def test_a_message_that_cannot_be_sent_before_it_expires_fails(provider) -> None:
    with override_settings(SMS=provider.settings(MAX_AGE_HOURS=3)):
        message = queue()
    provider.stop()
    now = timezone.now()
    waits = []
    with override_settings(SMS=provider.settings()):
        moment = now
        while True:
            sms_send_due(now=moment)
            message.refresh_from_db()
            if message.status != SmsMessage.Status.QUEUED:
                break
            waits.append(message.next_attempt_at - moment)
            moment = message.next_attempt_at
    # Exponential back-off: 30 s, 1 min, 2 min, … capped at 30 min.
    assert waits[:4] == [datetime.timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == datetime.timedelta(minutes=30)
    assert message.status == SmsMessage.Status.FAILED
    assert message.error_reason == "expired"
    assert message.failed_at <= message.expires_at
    assert message.attempts > 5
    provider.start()
    with override_settings(SMS=provider.settings()):
        sms_resend(message=message, by=None, now=moment)
        assert sms_send_due(now=moment).sent == 1


# --- SMPP -----------------------------------------------------------------------------------


def test_smpp_sends_chinese_as_ucs2_in_parts_and_records_receipts(smsc) -> None:
    long_text = (
        "【有线电视】维修员您好：工单GD20251001-0001，地址红梅新村3幢201室，联系人张先生，请于今日内上门。"
        * 2
    )
    message = queue(long_text)
    short = queue("Order GD1 dispatched")
    with override_settings(SMS=smpp_settings(smsc)):
        run = sms_send_due(now=timezone.now())
        assert run.sent == 2
        message.refresh_from_db()
        assert message.parts == 2
        assert message.gateway_message_id == "m1"
        assert smsc.state.texts() == [long_text, "Order GD1 dispatched"]
        chinese = smsc.state.submitted[0]
        assert chinese.data_coding == 8  # UCS-2
        assert chinese.registered_delivery == 1
        assert smsc.state.submitted[-1].data_coding == 0
        # Receipts are held by the SMSC for the next bind, as real SMSCs do.
        statuses = sms_check_delivery(now=timezone.now() + datetime.timedelta(minutes=3))
    assert statuses.delivered == 2
    for row in (message, short):
        row.refresh_from_db()
        assert row.status == SmsMessage.Status.DELIVERED
        assert row.delivery_detail == "DELIVRD"


def test_smpp_gateway_down_then_up_loses_nothing(smsc) -> None:
    config = smpp_settings(smsc)
    smsc.stop()
    messages = [queue(f"工单{n}") for n in range(3)]
    now = timezone.now()
    with override_settings(SMS=config):
        down = sms_send_due(now=now)
        assert (down.retrying, down.deferred) == (1, 2)
        assert SmsMessage.objects.get(pk=messages[0].pk).error_reason == "unreachable"
        smsc.start()
        up = sms_send_due(now=now + retry_delay(1))
    assert up.sent == 3
    assert sorted(smsc.state.texts()) == sorted(f"工单{n}" for n in range(3))


@pytest.mark.parametrize(
    ("submit_status", "status", "reason"),
    [
        (0x58, SmsMessage.Status.QUEUED, "throttled"),  # ESME_RTHROTTLED
        (0x14, SmsMessage.Status.QUEUED, "server_error"),  # ESME_RMSGQFUL
        (0x0B, SmsMessage.Status.FAILED, "rejected"),  # ESME_RINVDSTADR
    ],
)
def test_smpp_error_statuses(smsc, submit_status, status, reason) -> None:
    smsc.state.submit_statuses.append(submit_status)
    message = queue()
    with override_settings(SMS=smpp_settings(smsc)):
        sms_send_due(now=timezone.now())
    message.refresh_from_db()
    assert (message.status, message.error_reason) == (status, reason)


def test_smpp_wrong_password_waits_for_an_admin_instead_of_failing(smsc) -> None:
    message = queue()
    with override_settings(SMS=smpp_settings(smsc, SMPP_PASSWORD="wrong")):
        sms_send_due(now=timezone.now())
    message.refresh_from_db()
    assert (message.status, message.error_reason) == (
        SmsMessage.Status.QUEUED,
        "rejected_credentials",
    )


def test_smpp_query_sm_answers_when_receipts_are_off(smsc) -> None:
    message = queue("hello")
    config = smpp_settings(smsc, SMPP_RECEIPTS=False, SMPP_QUERY=True)
    with override_settings(SMS=config):
        sms_send_due(now=timezone.now())
        assert smsc.state.submitted[0].registered_delivery == 0
        assert sms_check_delivery(now=timezone.now() + datetime.timedelta(minutes=3)).delivered
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.DELIVERED


# --- sweep and admin ------------------------------------------------------------------------


def test_the_periodic_sweep_sends_what_the_on_commit_task_missed() -> None:
    queue()
    queue()
    summary = sms_sweep.call(period_start=timezone.now().isoformat())
    assert summary["delivered"] == 2
    assert not SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED).exists()


def test_admin_lists_the_outbox_masking_numbers_for_who_may_not_unmask(
    login, admin_user, world
) -> None:
    from django.contrib.auth.models import Permission

    from hotline.accounts.models import Role
    from tests import factories

    queue("管理员可见的短信")
    page = login(admin_user).get(reverse("admin:integrations_smsmessage_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "管理员可见的短信" in html
    assert NUMBER in html  # the admin may see personal data

    operator = Role.objects.create(
        code="sms_operator", label_zh="短信值班", label_en="SMS operator", admin_site=True
    )
    operator.permissions.add(Permission.objects.get(codename="view_smsmessage"))
    clerk = factories.user("sms_operator", username="clerk")
    page = login(clerk).get(reverse("admin:integrations_smsmessage_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "139****5678" in html
    assert NUMBER not in html


def test_the_console_gateway_logs_phone_numbers_in_the_text_masked(caplog):
    from hotline.integrations.sms.console import ConsoleSmsGateway

    text = (
        "【热线】工单 WO20261123-000004 故障维修：淹城人家9幢401室，邱艳 13075406594，"
        "座机 0519-88001234。确认码 497406，预计 2026-11-25 18:00 修复。"
    )
    with caplog.at_level("INFO", logger="hotline.sms.console"):
        ConsoleSmsGateway().send("13912345678", text, reference="sms-1")
    logged = caplog.records[-1].getMessage()
    assert "13075406594" not in logged and "130****6594" in logged
    assert "88001234" not in logged and "051******1234" in logged
    assert "139****5678" in logged  # the recipient
    for kept in ("WO20261123-000004", "497406", "2026-11-25 18:00"):
        assert kept in logged
