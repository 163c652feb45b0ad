"""API tokens: issue (the secret is shown once), revoke, and check a presented token.

A token reads ``hl_<8 characters>.<secret>``. The prefix identifies the row and is safe to
show; the secret is 256 random bits of which only the SHA-256 is stored. A fast hash is
enough for a random secret of that size (nothing to brute-force), and it keeps the check
cheap on every request; the comparison is constant-time.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.audit.context import audit_actor
from hotline.config_cache import config_cached
from hotline.db import is_lock_timeout
from hotline.integrations.models import API_SCOPES, ApiClient, ApiToken

PREFIX_LENGTH = 8
_PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0)
# Touch ``last_used_at`` at most this often, so a busy integration does not write every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
User = get_user_model()
# When this process last wrote each token's ``last_used_at`` (the cached row does not move).
_last_used: dict[str, datetime.datetime] = {}


class TokenError(Exception):
    """A presented token is not valid; ``code`` says why (stable, for clients)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_prefix() -> str:
    return "hl_" + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def api_token_issue(
    *,
    client: ApiClient,
    scopes: Iterable[str],
    by: Any,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``client``; return it and the full token text (shown only once)."""
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in API_SCOPES]
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(scope)s") % {"scope": ", ".join(unknown)}}
        )
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValueError("expires_at must be an aware datetime")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic(), audit_actor(by):
        prefix = _new_prefix()
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = _new_prefix()
        token = ApiToken.objects.create(
            client=client,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=scopes,
            created_by=by if getattr(by, "pk", None) else None,
            expires_at=expires_at,
        )
    return token, f"{prefix}.{secret}"


def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    """Revoke ``token`` for good; the next call presenting it gets 401."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic(), audit_actor(by):
        token.revoked_at = timezone.now()
        token.revoked_by = by if getattr(by, "pk", None) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def _fields(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


Snapshot = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]


def _token_load(prefix: str) -> Snapshot | None:
    token = ApiToken.objects.select_related("client", "client__user").filter(prefix=prefix).first()
    if token is None:
        return None
    client, user = token.client, token.client.user
    return tuple(
        tuple(copy.deepcopy(getattr(obj, name)) for name in _fields(type(obj)))
        for obj in (token, client, user)
    )  # type: ignore[return-value]


def _token_from(snapshot: Snapshot) -> ApiToken:
    """Fresh instances for this request (nothing one request sets is seen by another)."""
    token_values, client_values, user_values = (copy.deepcopy(values) for values in snapshot)
    token = ApiToken.from_db(None, _fields(ApiToken), token_values)
    client = ApiClient.from_db(None, _fields(ApiClient), client_values)
    client.user = User.from_db(None, _fields(User), user_values)
    token.client = client
    return token


def api_token_authenticate(*, raw: str, now: datetime.datetime | None = None) -> ApiToken:
    """The usable token that ``raw`` (``<prefix>.<secret>``) presents, or ``TokenError``.

    The token, its client and their user are read once per configuration version
    (``config_cache``: issuing, revoking or editing a token, a client or a user moves it),
    and checked again on every call."""
    now = now or timezone.now()
    prefix, dot, secret = raw.strip().partition(".")
    if not dot or not prefix or not secret or len(prefix) > 16:
        raise TokenError("invalid_token")
    snapshot = config_cached("api_token", prefix, lambda: _token_load(prefix))
    token = _token_from(snapshot) if snapshot is not None else None
    # Hash and compare even when the prefix is unknown, so timing says nothing about it.
    expected = token.secret_hash if token is not None else "0" * 64
    if not hmac.compare_digest(hash_secret(secret), expected) or token is None:
        raise TokenError("invalid_token")
    if token.revoked_at is not None:
        raise TokenError("token_revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenError("token_expired")
    if not token.client.active or not token.client.user.is_active:
        raise TokenError("client_inactive")
    last_used = max(
        (t for t in (token.last_used_at, _last_used.get(token.prefix)) if t is not None),
        default=None,
    )
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        # Bookkeeping: a busy database must not refuse the call for it.
        try:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        except OperationalError as error:
            if not is_lock_timeout(error):
                raise
        _last_used[token.prefix] = now
        last_used = now
    token.last_used_at = last_used
    return token
