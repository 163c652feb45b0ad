"""BOSS as the customer page uses it: the billing panel, from BOSS or from Hotline's copy.

This module is the composition root for BOSS: it builds the adapter from settings, and the
rest of Hotline asks it (``billing_system()``, ``billing_panel_for()``) instead of importing
an adapter.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Customer, Device, ServiceAccount, Subscription
from hotline.integrations.boss.breaker import breakers_reset
from hotline.integrations.boss.http import BossConfig, HttpBillingSystem
from hotline.integrations.boss.port import (
    BillingError,
    BillingNotFound,
    BillingSystem,
    BossAccount,
    BossDevice,
    BossPayment,
    BossSubscription,
    time_budget,
)

T = TypeVar("T")

# Why BOSS's data is not on the page, by ``BillingError.reason``.
REASON_TEXTS = {
    "timeout": _("BOSS did not answer in time."),
    "budget_spent": _("BOSS did not answer in time."),
    "unreachable": _("BOSS cannot be reached."),
    "server_error": _("BOSS reported an error."),
    "circuit_open": _("BOSS failed repeatedly; Hotline will try it again shortly."),
    "rejected_credentials": _("BOSS refused Hotline's credentials."),
    "bad_response": _("BOSS answered something Hotline does not understand."),
    "rejected": _("BOSS refused the request."),
    "not_configured": _("No billing system is configured."),
}

# A customer page shows at most this many accounts and recent payments per account.
MAX_ACCOUNTS = 5
RECENT_PAYMENTS = 5
# Hotline's copy of an account is refreshed from BOSS answers at most this often.
COPY_REFRESH = timedelta(minutes=10)

_systems: dict[BossConfig, HttpBillingSystem] = {}
_systems_lock = threading.Lock()


def billing_system() -> BillingSystem:
    """The process's BOSS adapter for the current settings (one HTTP client and breaker each)."""
    config = BossConfig.from_settings(settings.BOSS)
    with _systems_lock:
        system = _systems.get(config)
        if system is None:
            system = _systems[config] = HttpBillingSystem(config)
        return system


def billing_system_reset() -> None:
    """Close the process's BOSS clients and forget their breakers (tests, settings reload)."""
    with _systems_lock:
        for system in _systems.values():
            system.close()
        _systems.clear()
    breakers_reset()


@dataclass(frozen=True)
class Labelled(Generic[T]):
    """A BOSS record with the translated label of its status or kind."""

    item: T
    label: str


@dataclass(frozen=True)
class AccountPanel:
    account: BossAccount
    status_label: str
    subscriptions: tuple[Labelled[BossSubscription], ...]
    devices: tuple[Labelled[BossDevice], ...]
    payments: tuple[BossPayment, ...]
    from_boss: bool
    # BOSS answered and does not know this account (Hotline's copy is shown).
    unknown_to_boss: bool = False
    synced_at: datetime | None = None

    @property
    def in_arrears(self) -> bool:
        """A negative balance: the customer owes money, whatever the account's status."""
        return self.account.balance is not None and self.account.balance < 0


@dataclass(frozen=True)
class BillingPanel:
    accounts: tuple[AccountPanel, ...]
    # Empty when BOSS answered; otherwise why not (a ``BillingUnavailable`` reason code).
    unavailable_reason: str = ""
    # When Hotline's copy shown instead was last synchronised with BOSS (None: never).
    copy_synced_at: datetime | None = None

    @property
    def unavailable(self) -> bool:
        return bool(self.unavailable_reason)

    @property
    def reason_text(self) -> str:
        return str(REASON_TEXTS.get(self.unavailable_reason, REASON_TEXTS["unreachable"]))


def _label(choices: type, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _panel(
    account: BossAccount,
    subscriptions: list[BossSubscription],
    devices: list[BossDevice],
    payments: list[BossPayment],
    **flags: object,
) -> AccountPanel:
    return AccountPanel(
        account=account,
        status_label=_label(ServiceAccount.Status, account.status),
        subscriptions=tuple(
            Labelled(s, _label(Subscription.Status, s.status)) for s in subscriptions
        ),
        devices=tuple(Labelled(d, _label(Device.Kind, d.kind)) for d in devices),
        payments=tuple(payments),
        **flags,  # type: ignore[arg-type]
    )


def _from_boss(system: BillingSystem, number: str) -> AccountPanel:
    overview = system.account_overview(number, payments=RECENT_PAYMENTS)
    return _panel(
        overview.account,
        list(overview.subscriptions),
        list(overview.devices),
        list(overview.payments),
        from_boss=True,
    )


def _from_copy(row: ServiceAccount, *, unknown_to_boss: bool = False) -> AccountPanel:
    account = BossAccount(
        number=row.number,
        status=row.status,
        balance=row.balance,
        customer_ref=str(row.customer_id),
        address=row.address,
        opened_at=row.opened_at,
    )
    subscriptions = [
        BossSubscription(
            product_code=s.product_code,
            product_name=s.product_name,
            monthly_fee=s.monthly_fee,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            status=s.status,
        )
        for s in row.subscriptions.all()
    ]
    devices = [
        BossDevice(
            kind=d.kind, serial=d.serial, model_name=d.model_name, installed_on=d.installed_on
        )
        for d in row.devices.all()
    ]
    payments = [
        BossPayment(amount=p.amount, paid_at=p.paid_at, channel=p.channel, reference=p.reference)
        for p in row.payments.all()[:RECENT_PAYMENTS]
    ]
    return _panel(
        account,
        subscriptions,
        devices,
        payments,
        from_boss=False,
        unknown_to_boss=unknown_to_boss,
        synced_at=row.synced_at,
    )


def _refresh_copy(row: ServiceAccount, account: BossAccount) -> None:
    """Bring Hotline's copy of the account's status and balance up to BOSS's answer.

    A plain UPDATE, at most every ``COPY_REFRESH`` unless something changed: BOSS is the system
    of record for these fields, so this is a synchronisation, not a change to audit.
    """
    now = timezone.now()
    status = account.status if account.status in ServiceAccount.Status.values else row.status
    unchanged = row.status == status and row.balance == account.balance
    if unchanged and row.synced_at and now - row.synced_at < COPY_REFRESH:
        return
    ServiceAccount.objects.filter(pk=row.pk).update(
        status=status, balance=account.balance, synced_at=now
    )


def billing_panel_for(customer: Customer, *, system: BillingSystem | None = None) -> BillingPanel:
    """The billing panel of ``customer``'s page, within the BOSS time budget.

    1. Read the customer's accounts from Hotline (the copy is the fallback and the list of
       account numbers to ask BOSS about).
    2. Ask BOSS for each account under one time budget (``HOTLINE_BOSS_TIMEOUT_MS``).
    3. When BOSS is down, slow, misconfigured or its circuit is open, show Hotline's copy of
       the remaining accounts and say since when that copy is.
    """
    rows = list(customer.accounts.all()[:MAX_ACCOUNTS])
    if not rows:
        return BillingPanel(accounts=())
    system = system or billing_system()
    panels: list[AccountPanel] = []
    reason = ""
    with time_budget(settings.BOSS.get("TIMEOUT_MS", 300) / 1000):
        for row in rows:
            if reason:
                panels.append(_from_copy(row))
                continue
            try:
                panel = _from_boss(system, row.number)
            except BillingNotFound:
                panels.append(_from_copy(row, unknown_to_boss=True))
            except BillingError as exc:
                reason = exc.reason
                panels.append(_from_copy(row))
            else:
                _refresh_copy(row, panel.account)
                panels.append(panel)
    copies = [p for p in panels if not p.from_boss and not p.unknown_to_boss]
    synced = [p.synced_at for p in copies]
    copy_synced_at = min(synced) if synced and all(synced) else None  # type: ignore[type-var]
    return BillingPanel(
        accounts=tuple(panels), unavailable_reason=reason, copy_synced_at=copy_synced_at
    )
