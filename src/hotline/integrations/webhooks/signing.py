"""Webhook signatures by the Standard Webhooks specification (no database, no I/O).

Every delivery carries three headers::

    webhook-id: 1234                      (the delivery; the same on every retry)
    webhook-timestamp: 1741000000         (unix seconds when this attempt was signed)
    webhook-signature: v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>

The secret is ``whsec_<base64 of the key bytes>``. Receivers verify with any Standard
Webhooks library (Python: ``standardwebhooks.Webhook(secret).verify(body, headers)``), which
also refuses timestamps more than five minutes away from its clock. Signing goes through the
same reference library, so sender and receivers cannot drift apart.
"""

from __future__ import annotations

import base64
import datetime
import secrets

from standardwebhooks.webhooks import Webhook

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "X-Hotline-Event"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
KEY_BYTES = 32


def new_webhook_secret() -> str:
    """A new signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def webhook_signature_headers(
    *, secret: str, message_id: str, timestamp: datetime.datetime, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for sending ``body`` at ``timestamp``."""
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be an aware datetime")
    # The library reads the datetime's wall time as UTC: hand it UTC.
    moment = timestamp.astimezone(datetime.UTC)
    signature = Webhook(secret).sign(message_id, moment, body.decode("utf-8"))
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(int(moment.timestamp())),
        SIGNATURE_HEADER: signature,
    }
