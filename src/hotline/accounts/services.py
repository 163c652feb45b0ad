"""Writes for people and accounts: one function per use case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record


def user_unlock(*, user: User, by: Any) -> int:
    """Lift a login lock-out for ``user``; return how many lock records were cleared."""
    with acting_as(by), transaction.atomic():
        cleared = AccessAttempt.objects.filter(username=user.get_username()).count()
        AxesProxyHandler.reset_attempts(username=user.get_username())
        audit_record(action="unlock", obj=user, changes={"cleared_attempts": cleared})
    return cleared


def login_attempts_clear(*, attempts: Iterable[AccessAttempt], by: Any) -> int:
    """Lift the lock-outs these failed-login records stand for (username + address pairs).

    The administration site's way to unlock by address or for a mistyped username; each
    pair is audited as an unlock, like ``user_unlock``. Returns how many records went.
    """
    cleared = 0
    with acting_as(by), transaction.atomic():
        for attempt in attempts:
            removed = AxesProxyHandler.reset_attempts(
                username=attempt.username or None, ip_address=attempt.ip_address or None
            )
            cleared += removed
            user = User.objects.filter(username=attempt.username).first()
            audit_record(
                action="unlock",
                obj=user,
                model="accounts.user",
                object_repr=attempt.username or "",
                changes={
                    "username": attempt.username,
                    "ip_address": attempt.ip_address,
                    "cleared_attempts": attempt.failures_since_start,
                },
            )
    return cleared
