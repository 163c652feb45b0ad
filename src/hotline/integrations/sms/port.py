"""The SMS gateway as Hotline sees it: one protocol, typed results, two errors.

Domain code never talks to a gateway: it queues a message in the outbox
(``services.sms_queue``) inside its own transaction, and the sender sends it through the
adapter that settings choose (``services.sms_gateway()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class SmsError(Exception):
    """Sending failed; ``reason`` is a stable code."""

    reason = "error"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or self.reason)
        if reason:
            self.reason = reason


class SmsUnavailable(SmsError):
    """The gateway cannot take the message now: try again later (nothing was sent).

    Reasons: ``unreachable``, ``timeout``, ``server_error``, ``throttled``,
    ``rejected_credentials``, ``bad_response``, ``not_configured``.
    """

    reason = "unreachable"


class SmsRejected(SmsError):
    """The gateway refused this message for good (bad number, content, …): do not retry."""

    reason = "rejected"


class DeliveryState(StrEnum):
    PENDING = "pending"  # the gateway knows no final state yet
    DELIVERED = "delivered"
    FAILED = "failed"  # undeliverable, expired, rejected by the network


@dataclass(frozen=True)
class SmsAccepted:
    """The gateway took the message; ``message_id`` is its id (for delivery status)."""

    message_id: str
    parts: int = 1
    # Some gateways know the outcome at once (the console adapter "delivers" by logging).
    delivered: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    state: DeliveryState
    at: datetime | None = None
    detail: str = ""


class SmsGateway(Protocol):
    #: a short name recorded with each message ("console", "smpp", "http")
    name: str
    #: whether ``delivery_status`` can ever answer something other than ``None``
    supports_delivery_status: bool

    def send(self, to: str, text: str, *, reference: str) -> SmsAccepted:
        """Hand one message (any length; the adapter splits it) to the gateway.

        ``to`` is a normalised number (digits only); ``reference`` is the outbox row's own
        key, passed on where the gateway can carry it. Raises ``SmsUnavailable`` or
        ``SmsRejected``.
        """
        ...

    def delivery_status(self, message_id: str) -> DeliveryReport | None:
        """What the gateway knows of a message it accepted; ``None`` when it cannot say.

        Raises ``SmsUnavailable`` when the gateway cannot be asked now.
        """
        ...

    def close(self) -> None: ...
