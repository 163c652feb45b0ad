"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` (no database, no I/O).

Header: ``X-Hotline-Signature: t=<unix seconds>,v1=<hex digest>``. The timestamp is signed
with the body so a captured request cannot be replayed later than ``tolerance`` seconds; a
receiver may see several ``v1=`` values while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hotline-Signature"
EVENT_HEADER = "X-Hotline-Event"
DELIVERY_HEADER = "X-Hotline-Delivery"
DEFAULT_TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes, now: float, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is at most ``tolerance`` s old."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _eq, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
