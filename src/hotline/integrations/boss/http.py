"""The generic HTTP/JSON BOSS adapter.

A BOSS is reached at one base URL with HTTP Basic credentials or a bearer token. Its answers
are JSON records, optionally wrapped in an envelope (``{"code": 0, "data": …}``); its field
names are translated to ours through a field map (BOSS name → our name), so a new BOSS needs
configuration, not code. The interface, relative to the base URL:

    GET  customers?<phone>=…|<id_number>=…   → [customer]
    GET  accounts/<number>                   → account
    GET  accounts/<number>?expand=subscriptions,devices,payments&limit=N
                                             → account with the three lists inside (a BOSS
                                               that ignores ``expand`` gets three more GETs)
    GET  accounts/<number>/subscriptions     → [subscription]
    GET  accounts/<number>/devices           → [device]
    GET  accounts/<number>/payments?limit=N  → [payment]
    POST fault-notices (Idempotency-Key)     → notice

Every call answers within a time budget: one attempt's timeout is what is left of the budget,
idempotent GETs are retried with exponential back-off while the budget lasts, a POST only when
it carries an idempotency key. A process-wide circuit breaker stops calls to a BOSS that keeps
failing, and GET answers are cached for a few seconds in Django's cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx
from django.core.cache import caches
from django.utils import timezone

from hotline.env import ConfigError
from hotline.integrations.boss.breaker import CircuitBreaker, breaker_for
from hotline.integrations.boss.port import (
    AccountOverview,
    BillingNotFound,
    BillingRejected,
    BillingUnavailable,
    BossAccount,
    BossCustomer,
    BossDevice,
    BossPayment,
    BossSubscription,
    FaultNotice,
    current_deadline,
)

# The demo BOSS's field names (BOSS style) → ours; the default field map.
DEMO_FIELD_MAP: dict[str, str] = {
    "cust_id": "customer_ref",
    "cust_name": "name",
    "mobile": "phone",
    "cert_no": "id_number",
    "acct_list": "account_numbers",
    "acct_no": "number",
    "acct_status": "status",
    "bal": "balance",
    "inst_addr": "address",
    "open_time": "opened_at",
    "sub_list": "subscriptions",
    "res_list": "devices",
    "pay_list": "payments",
    "prod_code": "product_code",
    "prod_name": "product_name",
    "fee": "monthly_fee",
    "eff_date": "starts_on",
    "exp_date": "ends_on",
    "sub_status": "status",
    "res_type": "kind",
    "res_no": "serial",
    "res_model": "model_name",
    "inst_date": "installed_on",
    "pay_amt": "amount",
    "pay_time": "paid_at",
    "pay_channel": "channel",
    "pay_sn": "reference",
    "area_code": "region_code",
    "fault_desc": "description",
    "begin_time": "starts_at",
    "est_end_time": "expected_end_at",
}

# Statuses worth another attempt; 4xx answers are final.
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def parse_field_map(raw: str | Mapping[str, str] | None) -> dict[str, str]:
    """``HOTLINE_BOSS_FIELD_MAP``: a JSON object of BOSS field name → our field name.

    Empty means the demo BOSS's names; ``{}`` means BOSS already uses our names.
    """
    if raw is None or raw == "":
        return dict(DEMO_FIELD_MAP)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"HOTLINE_BOSS_FIELD_MAP: not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigError("HOTLINE_BOSS_FIELD_MAP: expected a JSON object of strings")
    return dict(raw)


@dataclass(frozen=True)
class BossConfig:
    url: str
    username: str = ""
    password: str = ""
    token: str = ""
    timeout_ms: int = 300
    retries: int = 2
    backoff_ms: int = 25
    cache_seconds: int = 30
    breaker_failures: int = 5
    breaker_reset_seconds: int = 30
    field_map: tuple[tuple[str, str], ...] = tuple(DEMO_FIELD_MAP.items())
    data_key: str = "data"

    @classmethod
    def from_settings(cls, boss: Mapping[str, Any]) -> BossConfig:
        return cls(
            url=(boss.get("URL") or "").rstrip("/"),
            username=boss.get("USERNAME") or "",
            password=boss.get("PASSWORD") or "",
            token=boss.get("TOKEN") or "",
            timeout_ms=int(boss.get("TIMEOUT_MS", 300)),
            retries=int(boss.get("RETRIES", 2)),
            backoff_ms=int(boss.get("BACKOFF_MS", 25)),
            cache_seconds=int(boss.get("CACHE_SECONDS", 30)),
            breaker_failures=int(boss.get("BREAKER_FAILURES", 5)),
            breaker_reset_seconds=int(boss.get("BREAKER_RESET_SECONDS", 30)),
            field_map=tuple(parse_field_map(boss.get("FIELD_MAP")).items()),
            data_key=boss.get("DATA_KEY", "data") or "",
        )


class HttpBillingSystem:
    """``BillingSystem`` over HTTP/JSON. Thread-safe; build one per configuration and reuse it."""

    def __init__(
        self,
        config: BossConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        breaker: CircuitBreaker | None = None,
        cache_alias: str = "default",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self.breaker = breaker or breaker_for(
            config.url,
            failure_threshold=config.breaker_failures,
            reset_seconds=config.breaker_reset_seconds,
        )
        self._cache = caches[cache_alias]
        self._ours = dict(config.field_map)
        self._theirs: dict[str, str] = {}
        for boss_name, our_name in config.field_map:
            self._theirs.setdefault(our_name, boss_name)
        self._key_prefix = "boss:" + hashlib.sha256(config.url.encode()).hexdigest()[:12]
        auth: httpx.Auth | None = None
        headers = {"Accept": "application/json"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        elif config.username:
            auth = httpx.BasicAuth(config.username, config.password)
        self._client = httpx.Client(
            base_url=config.url + "/",
            auth=auth,
            headers=headers,
            timeout=config.timeout_ms / 1000,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    # --- BillingSystem ----------------------------------------------------------------------

    def find_customers(
        self, *, phone: str | None = None, id_number: str | None = None
    ) -> list[BossCustomer]:
        if not phone and not id_number:
            raise ValueError("find_customers: give a phone or an ID-card number")
        field, value = ("phone", phone) if phone else ("id_number", id_number)
        digest = hashlib.sha256(f"{field}={value}".encode()).hexdigest()[:24]
        records = self._get(f"customers:{digest}", "customers", {self._their(field): value})
        return [self._parse(self._customer, record) for record in self._list(records)]

    def get_account(self, number: str) -> BossAccount:
        record = self._get(self._account_key(number, "account"), self._account_path(number))
        return self._parse(self._account, record)

    def get_subscriptions(self, number: str) -> list[BossSubscription]:
        records = self._get(
            self._account_key(number, "subscriptions"), self._account_path(number, "subscriptions")
        )
        return [self._parse(self._subscription, r) for r in self._list(records)]

    def get_devices(self, number: str) -> list[BossDevice]:
        records = self._get(
            self._account_key(number, "devices"), self._account_path(number, "devices")
        )
        return [self._parse(self._device, r) for r in self._list(records)]

    def get_payments(self, number: str, *, limit: int = 10) -> list[BossPayment]:
        records = self._get(
            self._account_key(number, f"payments:{limit}"),
            self._account_path(number, "payments"),
            {"limit": limit},
        )
        return [self._parse(self._payment, r) for r in self._list(records)]

    def account_overview(self, number: str, *, payments: int = 5) -> AccountOverview:
        """One round trip when BOSS honours ``expand``, four when it does not."""
        record = self._get(
            self._account_key(number, f"overview:{payments}"),
            self._account_path(number),
            {"expand": "subscriptions,devices,payments", "limit": payments},
        )
        account = self._parse(self._account, record)
        mapped = self._map(record) if isinstance(record, dict) else {}
        if all(isinstance(mapped.get(k), list) for k in ("subscriptions", "devices", "payments")):
            subscriptions = [self._parse(self._subscription, r) for r in mapped["subscriptions"]]
            devices = [self._parse(self._device, r) for r in mapped["devices"]]
            paid = [self._parse(self._payment, r) for r in mapped["payments"]][:payments]
        else:
            subscriptions = self.get_subscriptions(number)
            devices = self.get_devices(number)
            paid = self.get_payments(number, limit=payments)
        return AccountOverview(account, tuple(subscriptions), tuple(devices), tuple(paid))

    def report_area_fault(
        self,
        region_code: str,
        description: str,
        *,
        starts_at: datetime | None = None,
        expected_end_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> FaultNotice:
        body: dict[str, Any] = {
            self._their("region_code"): region_code,
            self._their("description"): description,
        }
        if starts_at is not None:
            body[self._their("starts_at")] = starts_at.isoformat()
        if expected_end_at is not None:
            body[self._their("expected_end_at")] = expected_end_at.isoformat()
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        # A POST that may have reached BOSS is repeated only when BOSS can recognise the repeat.
        record = self._request(
            "POST", "fault-notices", json_body=body, headers=headers, retry=bool(idempotency_key)
        )
        return self._parse(self._notice, record)

    # --- HTTP -------------------------------------------------------------------------------

    def _account_path(self, number: str, tail: str = "") -> str:
        path = f"accounts/{quote(number, safe='')}"
        return f"{path}/{tail}" if tail else path

    def _account_key(self, number: str, kind: str) -> str:
        return f"{self._key_prefix}:acct:{quote(number, safe='')}:{kind}"

    def _get(self, key: str, path: str, params: dict[str, Any] | None = None) -> Any:
        ttl = self.config.cache_seconds
        if ttl > 0:
            hit = self._cache.get(key)
            # Freshness is judged by our own clock (injectable); the cache's expiry only
            # sweeps old entries away.
            if hit is not None and 0 <= self._wall_clock() - hit[0] < ttl:
                return hit[1]
        data = self._request("GET", path, params=params, retry=True)
        if ttl > 0:
            self._cache.set(key, (self._wall_clock(), data), timeout=ttl + 1)
        return data

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        retry: bool,
    ) -> Any:
        """One call within the time budget.

        1. No URL → unavailable (not configured); open circuit → unavailable at once.
        2. Attempt with the time that is left as the timeout.
        3. Timeouts, transport errors and 429/5xx are retried (if ``retry``) after
           ``backoff · 2^n`` while the back-off still fits in the budget.
        4. The outcome is reported to the breaker: any answer from BOSS other than a
           failure counts as success (a 404 means BOSS is up).
        """
        if not self.config.url:
            raise BillingUnavailable("no BOSS URL configured", reason="not_configured")
        deadline = self._clock() + self.config.timeout_ms / 1000
        outer = current_deadline()
        if outer is not None:
            deadline = min(deadline, outer)
        if deadline <= self._clock():
            # The caller's budget was spent before we started: not BOSS's fault.
            raise BillingUnavailable("BOSS time budget spent", reason="budget_spent")
        if not self.breaker.allow():
            raise BillingUnavailable("BOSS circuit is open", reason="circuit_open")
        attempt = 0
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                self.breaker.record_failure()
                raise BillingUnavailable("BOSS time budget spent", reason="budget_spent")
            retryable = True
            try:
                response = self._client.request(
                    method, path, params=params, json=json_body, headers=headers, timeout=remaining
                )
            except httpx.TimeoutException as exc:
                error = BillingUnavailable(f"BOSS timed out: {exc!r}", reason="timeout")
            except httpx.TransportError as exc:
                error = BillingUnavailable(f"BOSS unreachable: {exc!r}", reason="unreachable")
            else:
                status = response.status_code
                if status < 300:
                    self.breaker.record_success()
                    return self._payload(response)
                if status == 404:
                    self.breaker.record_success()
                    raise BillingNotFound(f"BOSS: {method} {path} not found")
                if status in (401, 403):
                    retryable = False
                    error = BillingUnavailable(
                        f"BOSS refused our credentials ({status})", reason="rejected_credentials"
                    )
                elif status in _RETRYABLE_STATUS or status >= 500:
                    error = BillingUnavailable(f"BOSS answered {status}", reason="server_error")
                else:
                    self.breaker.record_success()
                    raise BillingRejected(f"BOSS refused {method} {path}: {response.text[:200]}")
            if retry and retryable and attempt < self.config.retries:
                delay = self.config.backoff_ms / 1000 * 2**attempt
                if self._clock() + delay < deadline:
                    self._sleep(delay)
                    attempt += 1
                    continue
            self.breaker.record_failure()
            raise error

    def _payload(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError as exc:
            raise BillingUnavailable(
                "BOSS answered something other than JSON", reason="bad_response"
            ) from exc
        key = self.config.data_key
        if key and isinstance(body, dict) and key in body:
            return body[key]
        return body

    # --- mapping ----------------------------------------------------------------------------

    def _their(self, our_name: str) -> str:
        return self._theirs.get(our_name, our_name)

    def _map(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            raise TypeError(f"expected a JSON object, got {type(record).__name__}")
        return {self._ours.get(name, name): value for name, value in record.items()}

    @staticmethod
    def _list(records: Any) -> list[Any]:
        if not isinstance(records, list):
            raise BillingUnavailable("BOSS answered a non-list", reason="bad_response")
        return records

    def _parse(self, parser: Callable[[dict[str, Any]], Any], record: Any) -> Any:
        try:
            return parser(self._map(record))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise BillingUnavailable(
                f"BOSS answer not understood: {exc!r}", reason="bad_response"
            ) from exc

    @staticmethod
    def _customer(r: dict[str, Any]) -> BossCustomer:
        numbers = r.get("account_numbers") or []
        if isinstance(numbers, str):
            numbers = [n for n in numbers.split(",") if n]
        return BossCustomer(
            customer_ref=str(r["customer_ref"]),
            name=str(r.get("name") or ""),
            phone=str(r.get("phone") or ""),
            id_number=str(r.get("id_number") or ""),
            account_numbers=tuple(str(n) for n in numbers),
        )

    @staticmethod
    def _account(r: dict[str, Any]) -> BossAccount:
        return BossAccount(
            number=str(r["number"]),
            status=str(r.get("status") or ""),
            balance=_decimal(r["balance"]),
            customer_ref=str(r.get("customer_ref") or ""),
            address=str(r.get("address") or ""),
            opened_at=_datetime(r.get("opened_at")),
        )

    @staticmethod
    def _subscription(r: dict[str, Any]) -> BossSubscription:
        return BossSubscription(
            product_code=str(r["product_code"]),
            product_name=str(r.get("product_name") or ""),
            monthly_fee=_decimal(r.get("monthly_fee") or 0),
            starts_on=_date(r.get("starts_on")),
            ends_on=_date(r.get("ends_on")),
            status=str(r.get("status") or ""),
        )

    @staticmethod
    def _device(r: dict[str, Any]) -> BossDevice:
        return BossDevice(
            kind=str(r["kind"]),
            serial=str(r["serial"]),
            model_name=str(r.get("model_name") or ""),
            installed_on=_date(r.get("installed_on")),
        )

    @staticmethod
    def _payment(r: dict[str, Any]) -> BossPayment:
        paid_at = _datetime(r["paid_at"])
        if paid_at is None:
            raise ValueError("paid_at: missing")
        return BossPayment(
            amount=_decimal(r["amount"]),
            paid_at=paid_at,
            channel=str(r.get("channel") or ""),
            reference=str(r.get("reference") or ""),
        )

    @staticmethod
    def _notice(r: dict[str, Any]) -> FaultNotice:
        return FaultNotice(
            notice_id=str(r["notice_id"]),
            region_code=str(r.get("region_code") or ""),
            description=str(r.get("description") or ""),
        )


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value))


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> datetime | None:
    """ISO 8601; a time without an offset is BOSS's local time (the site's time zone)."""
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed
