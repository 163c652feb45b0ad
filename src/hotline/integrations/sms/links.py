"""Signed, expiring short links for text messages ("open my order").

A token names a kind of page and an object id and carries its own lifetime; Django's
``TimestampSigner`` signs it with the site's secret key and a salt of its own. To keep the
SMS short (70 Chinese characters per part) the token is compact: the id, the lifetime and
the timestamp in base 62, and the HMAC-SHA256 cut to 16 URL-safe characters (96 bits,
far beyond guessing over HTTP). Example: ``o.g7.1c.1tQyWz.Xk3v9sJq0bLm2PzA`` (~32 chars).

    link = signed_link("o", ticket.pk, expires_in=timedelta(hours=72))
    # → https://hotline.example.com/s/o.g7.1c.1tQyWz.Xk3v9sJq0bLm2PzA

The link is served by ``/s/<token>``: the view verifies the token and hands it to the
handler the owning app registered for the kind (``register_link_kind``), which decides what
the holder may see (for example: the technician's order, with a session for it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.crypto import salted_hmac

SALT = "hotline.sms.links"
SIGNATURE_CHARS = 16
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,11}$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class LinkError(Exception):
    """The token cannot be used."""


class LinkInvalid(LinkError):
    """Malformed, forged or signed with another key."""


class LinkExpired(LinkError):
    """Genuine, but its lifetime is over."""


def _b62(number: int) -> str:
    if number < 0:
        raise ValueError("expected a non-negative number")
    digits = []
    while True:
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
        if not number:
            return "".join(reversed(digits))


def _from_b62(text: str) -> int:
    value = 0
    for char in text:
        index = _ALPHABET.find(char)
        if index < 0:
            raise ValueError(text)
        value = value * 62 + index
    return value


class CompactSigner(signing.TimestampSigner):
    """``TimestampSigner`` with a truncated signature: the same HMAC, fewer characters."""

    def signature(self, value: str, key: str | bytes | None = None) -> str:
        key = key or self.key
        mac = salted_hmac(self.salt + "signer", value, key, algorithm=self.algorithm)
        return signing.b64_encode(mac.digest()).decode()[:SIGNATURE_CHARS]


def _signer() -> CompactSigner:
    return CompactSigner(sep=".", salt=SALT, algorithm="sha256")


@dataclass(frozen=True)
class LinkTarget:
    kind: str
    object_id: int
    issued_at: datetime
    expires_at: datetime


def signed_token(kind: str, object_id: int, *, expires_in: timedelta) -> str:
    """The token alone (for a URL of your own)."""
    if not _KIND.match(kind):
        raise ValueError("kind: 1–12 lower-case letters, digits or _, starting with a letter")
    if not isinstance(object_id, int) or object_id < 0:
        raise ValueError("object_id: expected a non-negative integer")
    minutes = int(expires_in.total_seconds() // 60)
    if minutes < 1:
        raise ValueError("expires_in: at least one minute")
    return _signer().sign(f"{kind}.{_b62(object_id)}.{_b62(minutes)}")


def signed_link(kind: str, object_id: int, *, expires_in: timedelta | None = None) -> str:
    """The absolute short link (``HOTLINE_PUBLIC_URL`` + ``/s/<token>``) for a text message."""
    if expires_in is None:
        expires_in = timedelta(hours=settings.SMS_LINK_MAX_AGE_HOURS)
    if not settings.PUBLIC_URL:
        raise ImproperlyConfigured("HOTLINE_PUBLIC_URL: required for links in text messages")
    token = signed_token(kind, object_id, expires_in=expires_in)
    return settings.PUBLIC_URL + reverse("sms_link", args=[token])


def verify(token: str, *, now: datetime | None = None) -> LinkTarget:
    """What ``token`` points at; raises ``LinkInvalid`` or ``LinkExpired``."""
    try:
        # The plain Signer's check: the signature over "<kind>.<id>.<minutes>.<timestamp>".
        signed_value = signing.Signer.unsign(_signer(), token)
        kind, object_id, minutes, stamp = signed_value.split(".")
        if not _KIND.match(kind):
            raise LinkInvalid("malformed token")
        issued_at = datetime.fromtimestamp(signing.b62_decode(stamp), tz=UTC)
        target = LinkTarget(
            kind=kind,
            object_id=_from_b62(object_id),
            issued_at=issued_at,
            expires_at=issued_at + timedelta(minutes=_from_b62(minutes)),
        )
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid("invalid link") from exc
    now = now or datetime.now(UTC)
    if now >= target.expires_at:
        raise LinkExpired("the link has expired")
    if target.issued_at - now > timedelta(minutes=5):
        raise LinkInvalid("issued in the future")
    return target


LinkHandler = Callable[[Any, LinkTarget], Any]
_handlers: dict[str, LinkHandler] = {}


def register_link_kind(kind: str, handler: LinkHandler) -> None:
    """``handler(request, target) -> HttpResponse`` serves valid links of ``kind``.

    Called from the owning app's ``AppConfig.ready``.
    """
    if not _KIND.match(kind):
        raise ValueError("kind: 1–12 lower-case letters, digits or _, starting with a letter")
    _handlers[kind] = handler


def link_handler(kind: str) -> LinkHandler | None:
    return _handlers.get(kind)
