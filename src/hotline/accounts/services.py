"""Writes for people and accounts: one function per use case."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.db import transaction

from hotline.accounts.audit import acting_as, audit_record
from hotline.accounts.models import User


def user_unlock(*, user: User, by: Any) -> int:
    """Lift a login lock-out for ``user``; return how many lock records were cleared."""
    with acting_as(by), transaction.atomic():
        cleared = AccessAttempt.objects.filter(username=user.get_username()).count()
        AxesProxyHandler.reset_attempts(username=user.get_username())
        audit_record(action="unlock", obj=user, changes={"cleared_attempts": cleared})
    return cleared
