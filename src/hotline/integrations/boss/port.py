"""The billing system (BOSS) as Hotline sees it: one protocol, typed results, three errors.

Domain code talks to a ``BillingSystem`` and never to an adapter. Every adapter answers within
a time budget: calls made inside ``time_budget(seconds)`` share one deadline, so a page that
needs four answers from BOSS waits at most the budget, not four timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


class BillingError(Exception):
    """Something went wrong talking to BOSS; ``reason`` is a stable code."""

    reason = "error"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or self.reason)
        if reason:
            self.reason = reason


class BillingUnavailable(BillingError):
    """BOSS is down, slow, refuses our credentials, answers nonsense, or its circuit is open.

    Reasons: ``timeout``, ``unreachable``, ``server_error``, ``rejected_credentials``,
    ``bad_response``, ``circuit_open``, ``budget_spent``, ``not_configured``.
    """

    reason = "unreachable"


class BillingNotFound(BillingError):
    """BOSS answered, and it does not know the account or customer asked for."""

    reason = "not_found"


class BillingRejected(BillingError):
    """BOSS answered, and it refused the request as invalid (a 4xx other than 401/403/404)."""

    reason = "rejected"


@dataclass(frozen=True)
class BossCustomer:
    customer_ref: str
    name: str
    phone: str
    id_number: str
    account_numbers: tuple[str, ...]


@dataclass(frozen=True)
class BossAccount:
    number: str
    status: str
    balance: Decimal
    customer_ref: str = ""
    address: str = ""
    opened_at: datetime | None = None


@dataclass(frozen=True)
class BossSubscription:
    product_code: str
    product_name: str
    monthly_fee: Decimal
    starts_on: date | None
    ends_on: date | None
    status: str


@dataclass(frozen=True)
class BossDevice:
    kind: str
    serial: str
    model_name: str = ""
    installed_on: date | None = None


@dataclass(frozen=True)
class BossPayment:
    amount: Decimal
    paid_at: datetime
    channel: str = ""
    reference: str = ""


@dataclass(frozen=True)
class FaultNotice:
    """A fault notice (故障公告) that BOSS accepted for an area."""

    notice_id: str
    region_code: str
    description: str


@dataclass(frozen=True)
class AccountOverview:
    """An account with its subscriptions, devices and most recent payments."""

    account: BossAccount
    subscriptions: tuple[BossSubscription, ...]
    devices: tuple[BossDevice, ...]
    payments: tuple[BossPayment, ...]


class BillingSystem(Protocol):
    def find_customers(
        self, *, phone: str | None = None, id_number: str | None = None
    ) -> list[BossCustomer]: ...

    def get_account(self, number: str) -> BossAccount: ...

    def get_subscriptions(self, number: str) -> list[BossSubscription]: ...

    def get_devices(self, number: str) -> list[BossDevice]: ...

    def get_payments(self, number: str, *, limit: int = 10) -> list[BossPayment]: ...

    def account_overview(self, number: str, *, payments: int = 5) -> AccountOverview: ...

    def report_area_fault(
        self,
        region_code: str,
        description: str,
        *,
        starts_at: datetime | None = None,
        expected_end_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> FaultNotice: ...


_deadline: ContextVar[float | None] = ContextVar("boss_deadline", default=None)


@contextmanager
def time_budget(seconds: float, *, clock=time.monotonic) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Calls to BOSS inside this block share one deadline ``seconds`` from now.

    A nested budget never extends an outer one.
    """
    outer = _deadline.get()
    deadline = clock() + seconds
    if outer is not None:
        deadline = min(deadline, outer)
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    """The deadline (on ``time.monotonic``'s scale) of the enclosing ``time_budget``, if any."""
    return _deadline.get()
