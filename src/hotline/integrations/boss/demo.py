"""The demo BOSS: Hotline's demo tables served over the same HTTP interface as a real BOSS.

It answers in BOSS style (``acct_no``, ``acct_status``, ``bal`` …, inside a
``{"code": 0, "msg": "ok", "data": …}`` envelope, local times without an offset) so that the
real adapter and its field map are what the demo exercises. It requires the configured
credentials (HTTP Basic, or the bearer token when one is configured) and answers 404 to
everything when switched off (``HOTLINE_DEMO_BOSS=0``, the production default).

It runs in its own process on its own port (``hotline boss-demo``, ASGI application
``hotline.integrations.boss.asgi``): it hands out personal data without Hotline's login, scope
or audit, as a billing system would, so the web port never serves it; and under ASGI every
synchronous view of a process shares one thread, so a web process calling its own demo BOSS
would wait for itself. Its password is made per installation (see ``settings.BOSS``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from hotline.accounts.models import Region
from hotline.customers.models import (
    Customer,
    CustomerPhone,
    Device,
    Payment,
    ServiceAccount,
    Subscription,
)
from hotline.customers.phones import normalize_phone

MAX_PAYMENTS = 100
MAX_CUSTOMERS = 20
IDEMPOTENCY_SECONDS = 24 * 3600


def _answer(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse({"code": 0, "msg": "ok", "data": data}, status=status, safe=False)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "msg": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(404, "not found")


def server_error(request: HttpRequest) -> JsonResponse:
    return _error(500, "internal error")


def _authorised(request: HttpRequest) -> bool:
    boss = settings.BOSS
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if boss.get("TOKEN"):
        return scheme.lower() == "bearer" and hmac.compare_digest(value, boss["TOKEN"])
    if scheme.lower() != "basic" or not boss.get("USERNAME") or not boss.get("PASSWORD"):
        return False
    try:
        username, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(username.encode(), boss["USERNAME"].encode())
    password_ok = hmac.compare_digest(password.encode(), boss["PASSWORD"].encode())
    return user_ok and password_ok


def demo_boss_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not settings.BOSS.get("DEMO"):
            return _error(404, "demo BOSS is switched off")
        if not _authorised(request):
            response = _error(401, "authentication required")
            response["WWW-Authenticate"] = 'Basic realm="demo BOSS"'
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _local(value: datetime | None) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _account_id(number: str) -> int | None:
    return ServiceAccount.objects.filter(number=number).values_list("id", flat=True).first()


@require_GET
@demo_boss_endpoint
def customers(request: HttpRequest) -> JsonResponse:
    mobile = normalize_phone(request.GET.get("mobile", ""))
    cert_no = request.GET.get("cert_no", "").strip().upper()
    if mobile:
        ids = CustomerPhone.objects.filter(number=mobile).values("customer_id")
        found = Customer.objects.filter(Q(phone=mobile) | Q(pk__in=ids))
    elif cert_no:
        found = Customer.objects.filter(id_number=cert_no)
    else:
        return _error(400, "give mobile or cert_no")
    found = found.filter(merged_into__isnull=True).prefetch_related("accounts")[:MAX_CUSTOMERS]
    return _answer(
        [
            {
                "cust_id": str(c.pk),
                "cust_name": c.name,
                "mobile": c.phone,
                "cert_no": c.id_number,
                "acct_list": [a.number for a in c.accounts.all()],
            }
            for c in found
        ]
    )


def _subscription_rows(account_id: int) -> list[dict[str, Any]]:
    rows = Subscription.objects.filter(account_id=account_id).values(
        "product_code", "product_name", "monthly_fee", "starts_on", "ends_on", "status"
    )
    return [
        {
            "prod_code": r["product_code"],
            "prod_name": r["product_name"],
            "fee": _money(r["monthly_fee"]),
            "eff_date": _day(r["starts_on"]),
            "exp_date": _day(r["ends_on"]),
            "sub_status": r["status"],
        }
        for r in rows
    ]


def _device_rows(account_id: int) -> list[dict[str, Any]]:
    rows = Device.objects.filter(account_id=account_id).values(
        "kind", "serial", "model_name", "installed_on"
    )
    return [
        {
            "res_type": r["kind"],
            "res_no": r["serial"],
            "res_model": r["model_name"],
            "inst_date": _day(r["installed_on"]),
        }
        for r in rows
    ]


def _payment_rows(account_id: int, limit: int) -> list[dict[str, Any]]:
    rows = Payment.objects.filter(account_id=account_id).values(
        "amount", "paid_at", "channel", "reference"
    )[:limit]
    return [
        {
            "pay_amt": _money(r["amount"]),
            "pay_time": _local(r["paid_at"]),
            "pay_channel": r["channel"],
            "pay_sn": r["reference"],
        }
        for r in rows
    ]


def _limit(request: HttpRequest) -> int:
    """``?limit=``, 1 to ``MAX_PAYMENTS``; raises ValueError when not a number."""
    return max(1, min(int(request.GET.get("limit", 10)), MAX_PAYMENTS))


@require_GET
@demo_boss_endpoint
def account(request: HttpRequest, number: str) -> JsonResponse:
    """One account; ``?expand=subscriptions,devices,payments`` puts those lists inside."""
    row = (
        ServiceAccount.objects.filter(number=number)
        .values("id", "number", "status", "balance", "customer_id", "address", "opened_at")
        .first()
    )
    if row is None:
        return _error(404, "no such account")
    data: dict[str, Any] = {
        "acct_no": row["number"],
        "acct_status": row["status"],
        "bal": _money(row["balance"]),
        "cust_id": str(row["customer_id"]),
        "inst_addr": row["address"],
        "open_time": _local(row["opened_at"]),
    }
    expand = set(request.GET.get("expand", "").split(","))
    if "subscriptions" in expand:
        data["sub_list"] = _subscription_rows(row["id"])
    if "devices" in expand:
        data["res_list"] = _device_rows(row["id"])
    if "payments" in expand:
        try:
            data["pay_list"] = _payment_rows(row["id"], _limit(request))
        except ValueError:
            return _error(400, "limit: expected an integer")
    return _answer(data)


@require_GET
@demo_boss_endpoint
def subscriptions(request: HttpRequest, number: str) -> JsonResponse:
    account_id = _account_id(number)
    if account_id is None:
        return _error(404, "no such account")
    return _answer(_subscription_rows(account_id))


@require_GET
@demo_boss_endpoint
def devices(request: HttpRequest, number: str) -> JsonResponse:
    account_id = _account_id(number)
    if account_id is None:
        return _error(404, "no such account")
    return _answer(_device_rows(account_id))


@require_GET
@demo_boss_endpoint
def payments(request: HttpRequest, number: str) -> JsonResponse:
    account_id = _account_id(number)
    if account_id is None:
        return _error(404, "no such account")
    try:
        limit = _limit(request)
    except ValueError:
        return _error(400, "limit: expected an integer")
    return _answer(_payment_rows(account_id, limit))


@csrf_exempt
@require_POST
@demo_boss_endpoint
def fault_notices(request: HttpRequest) -> JsonResponse:
    """Accept a fault notice for an area; a repeated ``Idempotency-Key`` gets the first answer.

    The demo keeps notices (and idempotency keys) in the cache only: it stands in for BOSS and
    has no tables of its own.
    """
    key = request.headers.get("Idempotency-Key", "")
    cache_key = f"demo-boss:notice:{key}" if key else ""
    if cache_key:
        earlier = cache.get(cache_key)
        if earlier is not None:
            return _answer(earlier)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "body: expected JSON")
    if not isinstance(body, dict):
        return _error(400, "body: expected a JSON object")
    area_code = str(body.get("area_code") or "")
    description = str(body.get("fault_desc") or "").strip()
    if not description:
        return _error(400, "fault_desc: required")
    if not Region.objects.filter(code=area_code).exists():
        return _error(400, "area_code: no such area")
    notice = {
        "notice_id": f"FN{timezone.localtime():%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}",
        "area_code": area_code,
        "fault_desc": description,
        "begin_time": body.get("begin_time"),
        "est_end_time": body.get("est_end_time"),
    }
    if cache_key:
        cache.set(cache_key, notice, timeout=IDEMPOTENCY_SECONDS)
    return _answer(notice, status=201)
