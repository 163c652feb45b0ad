"""Login, logout and failed logins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from hotline.accounts.net import client_ip
from hotline.audit.context import actor_for
from hotline.audit.record import audit_record


@receiver(user_logged_in, dispatch_uid="hotline_audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="login", obj=user, actor=actor_for(user, client_ip(request)))


@receiver(user_logged_out, dispatch_uid="hotline_audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="logout", obj=user, actor=actor_for(user, client_ip(request)))


@receiver(user_login_failed, dispatch_uid="hotline_audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="login_failed",
        model="accounts.user",
        object_repr=username,
        actor=actor_for(None, client_ip(request)),
    )
