"""BOSS: the HTTP adapter against the demo BOSS and against small real HTTP servers.

The demo BOSS is served by pytest-django's ``live_server`` (with a test URLconf holding the
web application and the demo BOSS, which are two processes in an installation); slow,
failing and differently named BOSSes are tiny stdlib ``http.server`` threads on the
loopback. Clocks and sleeps are injected: no test waits for time to pass.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from hotline.accounts.models import Role
from hotline.customers.models import Device, Payment, ServiceAccount, Subscription
from hotline.env import ConfigError
from hotline.integrations.boss.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from hotline.integrations.boss.http import BossConfig, HttpBillingSystem, parse_field_map
from hotline.integrations.boss.port import (
    BillingNotFound,
    BillingRejected,
    BillingUnavailable,
    time_budget,
)
from hotline.integrations.boss.services import billing_panel_for, billing_system_reset
from tests import factories

USERNAME, PASSWORD = "hotline", "demo-boss-secret"
DEMO_PATH = "/demo-boss/api/v1"


@pytest.fixture(autouse=True)
def _fresh_boss():
    from django.core.cache import cache

    cache.clear()
    billing_system_reset()
    yield
    billing_system_reset()
    cache.clear()


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- small real HTTP servers --------------------------------------------------------------


@dataclass
class ScriptedBoss:
    """A loopback HTTP server answering from a script of (status, JSON body) pairs.

    The last answer repeats. With ``hold`` set it waits (for the event) before answering:
    a BOSS that is too slow.
    """

    answers: list[tuple[int, object]]
    hold: threading.Event | None = None
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        self.requests.append((handler.command, handler.path, dict(handler.headers), body))
        if self.hold is not None:
            self.hold.wait(10)
        index = min(len(self.requests) - 1, len(self.answers) - 1)
        status, payload = self.answers[index]
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout test)


@pytest.fixture
def scripted_boss() -> Iterator[callable]:
    servers: list[tuple[ThreadingHTTPServer, ScriptedBoss]] = []

    def start(answers: list[tuple[int, object]], *, slow: bool = False) -> ScriptedBoss:
        boss = ScriptedBoss(answers=answers, hold=threading.Event() if slow else None)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                boss.answer(self)

            def do_POST(self) -> None:
                boss.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        boss.url = f"http://127.0.0.1:{server.server_address[1]}/api"
        servers.append((server, boss))
        return boss

    yield start
    for server, boss in servers:
        if boss.hold is not None:
            boss.hold.set()
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def adapter(url: str, clock: FakeClock | None = None, **config) -> HttpBillingSystem:
    clock = clock or FakeClock()
    settings_ = {"username": USERNAME, "password": PASSWORD, "timeout_ms": 2000, **config}
    breaker = CircuitBreaker(
        failure_threshold=settings_.pop("breaker_failures", 5),
        reset_seconds=settings_.pop("breaker_reset_seconds", 30),
        clock=clock,
    )
    return HttpBillingSystem(
        BossConfig(url=url, **settings_),
        clock=clock,
        wall_clock=clock,
        sleep=clock.sleep,
        breaker=breaker,
    )


# --- demo data ------------------------------------------------------------------------------


def account_for(customer, number: str = "5190000001", **fields) -> ServiceAccount:
    account = ServiceAccount.objects.create(
        customer=customer,
        number=number,
        status=fields.pop("status", ServiceAccount.Status.ACTIVE),
        balance=fields.pop("balance", Decimal("88.50")),
        address="常州市天宁区青洋路1号",
        opened_at=dt.datetime(2020, 5, 1, 2, 0, tzinfo=dt.UTC),
        **fields,
    )
    Subscription.objects.create(
        account=account,
        product_code="DTV-HD",
        product_name="高清互动包",
        monthly_fee=Decimal("30.00"),
        starts_on=dt.date(2020, 5, 1),
    )
    Device.objects.create(
        account=account, kind=Device.Kind.SET_TOP_BOX, serial=f"STB{number}", model_name="创维 E900"
    )
    Device.objects.create(account=account, kind=Device.Kind.SMART_CARD, serial=f"8320{number}")
    for month in range(1, 4):
        Payment.objects.create(
            account=account,
            amount=Decimal("26.00"),
            paid_at=dt.datetime(2025, month, 3, 4, 5, tzinfo=dt.UTC),
            channel="微信",
            reference=f"P{number}{month}",
        )
    return account


def demo_boss_settings(live_server, **overrides) -> dict:
    return {
        **settings.BOSS,
        "URL": live_server.url + DEMO_PATH,
        "USERNAME": USERNAME,
        "PASSWORD": PASSWORD,
        "TOKEN": "",
        "TIMEOUT_MS": 5000,
        "FIELD_MAP": "",
        "DATA_KEY": "data",
        "DEMO": True,
        **overrides,
    }


# --- the adapter against the demo BOSS (real HTTP) ------------------------------------------


def live(test):  # type: ignore[no-untyped-def]
    """A test against the demo BOSS served by ``live_server``."""
    test = pytest.mark.urls("tests.integrations.web_and_demo_boss_urls")(test)
    return pytest.mark.django_db(transaction=True)(test)


@live
def test_adapter_reads_an_account_from_the_demo_boss(world, live_server):
    account_for(world.c1a)
    with override_settings(BOSS=demo_boss_settings(live_server)):
        boss = adapter(live_server.url + DEMO_PATH)
        account = boss.get_account("5190000001")
        subscriptions = boss.get_subscriptions("5190000001")
        devices = boss.get_devices("5190000001")
        payments = boss.get_payments("5190000001", limit=2)

    assert account.number == "5190000001"
    assert account.status == "active"
    assert account.balance == Decimal("88.50")
    assert account.customer_ref == str(world.c1a.pk)
    # The demo BOSS answers in local time without an offset; the adapter makes it aware.
    assert account.opened_at == dt.datetime(2020, 5, 1, 2, 0, tzinfo=dt.UTC)
    assert [(s.product_code, s.monthly_fee, s.starts_on) for s in subscriptions] == [
        ("DTV-HD", Decimal("30.00"), dt.date(2020, 5, 1))
    ]
    assert {(d.kind, d.serial) for d in devices} == {
        ("stb", "STB5190000001"),
        ("card", "83205190000001"),
    }
    assert [p.reference for p in payments] == ["P51900000013", "P51900000012"]
    assert payments[0].paid_at == dt.datetime(2025, 3, 3, 4, 5, tzinfo=dt.UTC)


@live
def test_account_overview_comes_from_the_demo_boss_in_one_answer(world, live_server):
    account_for(world.c1a)
    with override_settings(BOSS=demo_boss_settings(live_server)):
        overview = adapter(live_server.url + DEMO_PATH).account_overview("5190000001", payments=2)
    assert overview.account.balance == Decimal("88.50")
    assert [s.product_code for s in overview.subscriptions] == ["DTV-HD"]
    assert len(overview.devices) == 2
    assert [p.reference for p in overview.payments] == ["P51900000013", "P51900000012"]


def test_account_overview_asks_three_more_times_when_boss_ignores_expand(scripted_boss):
    account = {"data": {"acct_no": "1", "acct_status": "active", "bal": "5.00"}}
    subscription = {"prod_code": "DTV-HD", "fee": "30", "eff_date": "2024-01-01"}
    payment = {"pay_amt": "26.00", "pay_time": "2025-01-02T03:04:05+08:00"}
    server = scripted_boss(
        [(200, account), (200, {"data": [subscription]}), (200, {"data": []}), (200, [payment])]
    )
    overview = adapter(server.url).account_overview("1", payments=3)

    paths = [path for _, path, _, _ in server.requests]
    assert paths[0].startswith("/api/accounts/1?expand=subscriptions%2Cdevices%2Cpayments")
    assert paths[1:] == [
        "/api/accounts/1/subscriptions",
        "/api/accounts/1/devices",
        "/api/accounts/1/payments?limit=3",
    ]
    assert overview.subscriptions[0].monthly_fee == Decimal("30")
    assert overview.devices == ()
    assert overview.payments[0].paid_at == dt.datetime(2025, 1, 1, 19, 4, 5, tzinfo=dt.UTC)


@live
def test_adapter_finds_customers_by_phone_and_by_id_number(world, live_server):
    account_for(world.c1a)
    with override_settings(BOSS=demo_boss_settings(live_server)):
        boss = adapter(live_server.url + DEMO_PATH)
        by_phone = boss.find_customers(phone=world.c1a.phone)
        by_id = boss.find_customers(id_number=world.c1a.id_number.lower())
        nobody = boss.find_customers(phone="13000000000")

    assert [(c.customer_ref, c.name, c.account_numbers) for c in by_phone] == [
        (str(world.c1a.pk), "张伟", ("5190000001",))
    ]
    assert [c.customer_ref for c in by_id] == [str(world.c1a.pk)]
    assert nobody == []


@live
def test_an_account_unknown_to_boss_is_not_found_and_boss_counts_as_up(world, live_server):
    with override_settings(BOSS=demo_boss_settings(live_server)):
        boss = adapter(live_server.url + DEMO_PATH, breaker_failures=1)
        with pytest.raises(BillingNotFound):
            boss.get_account("5199999999")
    assert boss.breaker.state == CLOSED


@live
def test_wrong_credentials_make_boss_unavailable(world, live_server):
    with override_settings(BOSS=demo_boss_settings(live_server)):
        boss = adapter(live_server.url + DEMO_PATH, password="wrong")
        with pytest.raises(BillingUnavailable) as error:
            boss.get_account("5190000001")
    assert error.value.reason == "rejected_credentials"


@live
def test_fault_notice_is_accepted_once_per_idempotency_key(world, live_server):
    with override_settings(BOSS=demo_boss_settings(live_server)):
        boss = adapter(live_server.url + DEMO_PATH)
        first = boss.report_area_fault("s1a", "红梅站光节点故障", idempotency_key="outage-17")
        again = boss.report_area_fault("s1a", "红梅站光节点故障", idempotency_key="outage-17")
        other = boss.report_area_fault(
            "s1a", "红梅站光节点故障", starts_at=timezone.now(), expected_end_at=timezone.now()
        )
        with pytest.raises(BillingRejected):
            boss.report_area_fault("nowhere", "no such area")

    assert first.notice_id.startswith("FN")
    assert (first.region_code, first.description) == ("s1a", "红梅站光节点故障")
    assert again.notice_id == first.notice_id
    assert other.notice_id != first.notice_id


@pytest.mark.urls("hotline.integrations.boss.urls")
def test_demo_boss_requires_the_configured_credentials(client):
    with override_settings(BOSS={**settings.BOSS, "USERNAME": USERNAME, "PASSWORD": PASSWORD}):
        response = client.get(f"{DEMO_PATH}/accounts/5190000001")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.urls("hotline.integrations.boss.urls")
def test_demo_boss_answers_nothing_when_switched_off(client):
    import base64

    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    boss = {**settings.BOSS, "USERNAME": USERNAME, "PASSWORD": PASSWORD, "DEMO": False}
    with override_settings(BOSS=boss):
        response = client.get(
            f"{DEMO_PATH}/accounts/5190000001", HTTP_AUTHORIZATION=f"Basic {token}"
        )
    assert response.status_code == 404


# --- field map ------------------------------------------------------------------------------


def test_field_map_translates_another_boss_dialect(scripted_boss):
    server = scripted_boss([(200, {"AccountNo": "A-1", "State": "suspended", "Money": 12.5})])
    field_map = parse_field_map('{"AccountNo": "number", "State": "status", "Money": "balance"}')
    boss = adapter(server.url, field_map=tuple(field_map.items()), data_key="")

    account = boss.get_account("A-1")

    assert (account.number, account.status, account.balance) == (
        "A-1",
        "suspended",
        Decimal("12.5"),
    )
    method, path, headers, _ = server.requests[0]
    assert (method, path) == ("GET", "/api/accounts/A-1")
    assert headers["Authorization"].startswith("Basic ")


def test_field_map_is_used_for_query_parameters_and_bearer_token(scripted_boss):
    server = scripted_boss([(200, [])])
    boss = adapter(server.url, token="t0ken", field_map=(("tel", "phone"),), data_key="")

    assert boss.find_customers(phone="13912345678") == []
    _, path, headers, _ = server.requests[0]
    assert path == "/api/customers?tel=13912345678"
    assert headers["Authorization"] == "Bearer t0ken"


def test_a_malformed_field_map_is_a_configuration_error():
    with pytest.raises(ConfigError, match="HOTLINE_BOSS_FIELD_MAP"):
        parse_field_map("{not json")
    with pytest.raises(ConfigError, match="HOTLINE_BOSS_FIELD_MAP"):
        parse_field_map('["a", "b"]')


def test_an_answer_that_does_not_fit_is_unavailable_not_a_crash(scripted_boss):
    server = scripted_boss([(200, {"data": {"acct_no": "1"}})])  # no balance
    with pytest.raises(BillingUnavailable) as error:
        adapter(server.url).get_account("1")
    assert error.value.reason == "bad_response"


# --- timeouts and retries -------------------------------------------------------------------


def test_a_slow_boss_times_out(scripted_boss):
    server = scripted_boss([(200, {"data": {}})], slow=True)
    boss = HttpBillingSystem(BossConfig(url=server.url, timeout_ms=100, retries=0))

    with pytest.raises(BillingUnavailable) as error:
        boss.get_account("5190000001")

    assert error.value.reason == "timeout"
    boss.close()


def test_calls_inside_a_time_budget_share_one_deadline(scripted_boss):
    server = scripted_boss([(200, {"data": {"acct_no": "1", "bal": "1"}})])
    clock = FakeClock()
    boss = adapter(server.url, clock)
    with time_budget(0.5, clock=clock):
        clock.advance(0.6)
        with pytest.raises(BillingUnavailable) as error:
            boss.get_account("1")
    assert error.value.reason == "budget_spent"
    assert server.requests == []
    assert boss.breaker.state == CLOSED  # a spent budget is not BOSS's failure


def test_get_is_retried_with_exponential_backoff(scripted_boss):
    ok = {"data": {"acct_no": "1", "acct_status": "active", "bal": "5.00"}}
    server = scripted_boss([(503, {}), (502, {}), (200, ok)])
    clock = FakeClock()
    boss = adapter(server.url, clock, retries=2, backoff_ms=25)

    assert boss.get_account("1").balance == Decimal("5.00")
    assert len(server.requests) == 3
    assert clock.sleeps == [0.025, 0.05]
    assert boss.breaker.state == CLOSED


def test_retries_stop_when_the_backoff_would_overrun_the_budget(scripted_boss):
    server = scripted_boss([(503, {})])
    clock = FakeClock()
    # The clock is fake but each attempt's HTTP timeout is what is left of the budget in
    # real time: 4 s after the first back-off, so a loaded machine cannot turn the second
    # 503 into a timeout.
    boss = adapter(server.url, clock, retries=5, backoff_ms=6000, timeout_ms=10000)

    with pytest.raises(BillingUnavailable) as error:
        boss.get_account("1")

    assert error.value.reason == "server_error"
    assert clock.sleeps == [6.0]  # a second back-off (12 s) would end after the deadline
    assert len(server.requests) == 2


def test_a_post_is_retried_only_with_an_idempotency_key(scripted_boss):
    server = scripted_boss([(503, {})])
    boss = adapter(server.url, retries=2)

    with pytest.raises(BillingUnavailable):
        boss.report_area_fault("s1a", "停电")
    assert len(server.requests) == 1

    with pytest.raises(BillingUnavailable):
        boss.report_area_fault("s1a", "停电", idempotency_key="k1")
    assert len(server.requests) == 4
    method, _, headers, body = server.requests[-1]
    assert method == "POST"
    assert headers["Idempotency-Key"] == "k1"
    assert json.loads(body) == {"area_code": "s1a", "fault_desc": "停电"}


def test_credentials_refused_are_not_retried(scripted_boss):
    server = scripted_boss([(401, {})])
    with pytest.raises(BillingUnavailable):
        adapter(server.url, retries=3).get_account("1")
    assert len(server.requests) == 1


# --- circuit breaker ------------------------------------------------------------------------


def test_circuit_opens_after_consecutive_failures_then_half_opens_after_cooldown(scripted_boss):
    ok = {"data": {"acct_no": "1", "acct_status": "active", "bal": "5.00"}}
    server = scripted_boss([(500, {}), (500, {}), (500, {}), (200, ok)])
    clock = FakeClock()
    boss = adapter(
        server.url, clock, retries=0, breaker_failures=3, breaker_reset_seconds=30, cache_seconds=0
    )

    for _ in range(3):
        with pytest.raises(BillingUnavailable):
            boss.get_account("1")
    assert boss.breaker.state == OPEN

    with pytest.raises(BillingUnavailable) as error:
        boss.get_account("1")
    assert error.value.reason == "circuit_open"
    assert len(server.requests) == 3  # an open circuit sends nothing

    clock.advance(30)
    assert boss.breaker.state == HALF_OPEN
    assert boss.get_account("1").number == "1"
    assert boss.breaker.state == CLOSED


def test_a_failed_trial_call_opens_the_circuit_again(scripted_boss):
    server = scripted_boss([(500, {})])
    clock = FakeClock()
    boss = adapter(server.url, clock, retries=0, breaker_failures=1, cache_seconds=0)
    with pytest.raises(BillingUnavailable):
        boss.get_account("1")
    clock.advance(30)
    with pytest.raises(BillingUnavailable) as error:
        boss.get_account("1")  # the trial call
    assert error.value.reason == "server_error"
    assert boss.breaker.state == OPEN
    clock.advance(29)
    with pytest.raises(BillingUnavailable) as error:
        boss.get_account("1")
    assert error.value.reason == "circuit_open"


def test_half_open_lets_one_trial_call_through_at_a_time():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=10, clock=clock)
    breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.record_failure()
    assert breaker.state == OPEN
    assert not breaker.allow()
    clock.advance(10)
    assert breaker.allow()
    assert not breaker.allow()  # the trial is still out
    breaker.record_success()
    assert breaker.state == CLOSED
    assert breaker.allow()


def test_success_resets_the_count_of_consecutive_failures():
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=10, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == CLOSED


# --- cache --------------------------------------------------------------------------------


def test_answers_are_cached_per_account_for_the_ttl(scripted_boss):
    ok = {"data": {"acct_no": "1", "acct_status": "active", "bal": "5.00"}}
    server = scripted_boss([(200, ok)])
    clock = FakeClock()
    boss = adapter(server.url, clock, cache_seconds=30)

    boss.get_account("1")
    clock.advance(29)
    boss.get_account("1")
    assert len(server.requests) == 1
    boss.get_account("2")  # another account, another key
    assert len(server.requests) == 2
    clock.advance(1)
    boss.get_account("1")
    assert len(server.requests) == 3


# --- the customer page ----------------------------------------------------------------------


def page(client, customer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(f"/customers/{customer.pk}/")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def viewer(world):
    return factories.user(Role.MANAGER, username="boss_viewer")


@live
def test_customer_page_shows_boss_data_when_boss_is_up(world, live_server, client, viewer):
    account = account_for(world.c1a, balance=Decimal("66.60"))
    client.force_login(viewer)
    with override_settings(BOSS=demo_boss_settings(live_server)):
        response = page(client, world.c1a)

    assert response.status_code == 200
    page_text = text(response)
    assert 'data-source="boss"' in page_text
    assert 'data-billing="unavailable"' not in page_text
    assert "5190000001" in page_text
    assert "¥66.60" in page_text
    assert "高清互动包" in page_text
    assert "STB5190000001" in page_text
    assert "P51900000013" in page_text
    panel = response.context["billing"]
    assert [p.from_boss for p in panel.accounts] == [True]
    account.refresh_from_db()
    assert account.synced_at is not None  # Hotline's copy was brought up to date


@pytest.mark.django_db
def test_customer_page_falls_back_to_hotline_copy_when_boss_is_down(world, client, viewer):
    account_for(world.c1a, balance=Decimal("12.34"))
    client.force_login(viewer)
    boss = {**settings.BOSS, "URL": closed_port_url(), "RETRIES": 0}
    with override_settings(BOSS=boss):
        response = page(client, world.c1a)

    assert response.status_code == 200
    page_text = text(response)
    assert 'data-billing="unavailable"' in page_text
    assert "Billing data unavailable — showing Hotline's copy" in page_text
    assert "never synchronised with BOSS" in page_text
    assert "BOSS cannot be reached." in page_text
    assert "¥12.34" in page_text
    assert "高清互动包" in page_text
    assert "P51900000013" in page_text


@pytest.mark.django_db
def test_the_fallback_says_since_when_the_copy_is(world, client, viewer):
    synced = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    account_for(world.c1a, synced_at=synced)
    client.force_login(viewer)
    with override_settings(BOSS={**settings.BOSS, "URL": closed_port_url(), "RETRIES": 0}):
        page_text = text(page(client, world.c1a))
    local = timezone.localtime(synced, timezone.get_default_timezone())
    assert f"showing Hotline's copy from {local:%Y-%m-%d %H:%M}" in page_text


@pytest.mark.django_db
def test_customer_page_renders_with_the_circuit_open(world, client, viewer, scripted_boss):
    account_for(world.c1a)
    server = scripted_boss([(503, {})])
    client.force_login(viewer)
    boss = {**settings.BOSS, "URL": server.url, "RETRIES": 0, "BREAKER_FAILURES": 1}
    with override_settings(BOSS=boss):
        first = page(client, world.c1a)  # its failing reads open the circuit
        sent = len(server.requests)
        response = page(client, world.c1a)
    assert first.status_code == 200
    assert response.status_code == 200
    assert response.context["billing"].unavailable_reason == "circuit_open"
    assert len(server.requests) == sent  # an open circuit sends nothing


@pytest.mark.django_db
def test_without_a_boss_url_the_panel_shows_hotline_copy(world):
    account_for(world.c1a)
    with override_settings(BOSS={**settings.BOSS, "URL": ""}):
        panel = billing_panel_for(world.c1a)
    assert panel.unavailable_reason == "not_configured"
    assert [p.account.number for p in panel.accounts] == ["5190000001"]


@pytest.mark.django_db
def test_a_customer_without_accounts_does_not_ask_boss(world):
    class NoBoss:
        def __getattr__(self, name):
            raise AssertionError(f"BOSS was asked: {name}")

    panel = billing_panel_for(world.c1b, system=NoBoss())
    assert panel.accounts == ()
    assert not panel.unavailable


# --- switches -------------------------------------------------------------------------------


def _run(args: list[str], **env: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        env=environment,
        cwd=Path(__file__).resolve().parent.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_has_no_demo_boss_and_no_default_boss_url(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.BOSS['DEMO'], repr(settings.BOSS['URL']), repr(settings.BOSS['PASSWORD']))"
    )
    result = _run(
        ["-c", code],
        HOTLINE_ENV="production",
        HOTLINE_SECRET_KEY="s" * 60,
        HOTLINE_ALLOWED_HOSTS="hotline.example.com",
        HOTLINE_PUBLIC_URL="https://hotline.example.com",
        HOTLINE_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="hotline.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "''", "''"]


def test_boss_demo_command_refuses_when_the_demo_boss_is_switched_off(tmp_path):
    result = _run(
        ["-m", "hotline.cli", "boss-demo", "--port", "1"],
        HOTLINE_DEMO_BOSS="0",
        HOTLINE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert "HOTLINE_DEMO_BOSS=0" in result.stderr
