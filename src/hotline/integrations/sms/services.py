"""The SMS outbox: queue in the caller's transaction, send what is due, retry, track delivery.

``sms_queue`` writes one ``SmsMessage`` row inside the caller's transaction, so a message
exists exactly when the change that caused it committed, and nothing is lost while the
gateway is down: the row waits in the table. ``sms_send_due`` (run by the task enqueued on
commit and by the periodic sweep) claims due rows with a conditional UPDATE, sends them
outside any transaction and records the outcome; ``sms_check_delivery`` asks the gateway
what became of sent messages. This module is also the composition root: ``sms_gateway()``
builds the adapter that settings choose, and nothing else imports an adapter.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline import events
from hotline.audit.context import acting_as
from hotline.audit.masking import mask_phone
from hotline.audit.record import audit_record
from hotline.customers.phones import is_mobile, normalize_phone
from hotline.integrations.models import SmsMessage
from hotline.integrations.sms.port import (
    DeliveryState,
    SmsError,
    SmsGateway,
    SmsRejected,
    SmsUnavailable,
)

logger = logging.getLogger(__name__)

MAX_TEXT = 700  # ten UCS-2 parts
FIRST_RETRY = datetime.timedelta(seconds=30)
MAX_RETRY = datetime.timedelta(minutes=30)
# A claimed row is not offered again for this long: a sender that dies mid-send delays the
# message, it does not lose it.
CLAIM_LEASE = datetime.timedelta(minutes=5)
STATUS_EVERY = datetime.timedelta(minutes=2)
BATCH = 100


def sms_gateway() -> SmsGateway:
    """A new adapter for the current settings; the caller closes it when done."""
    from hotline.integrations.sms.console import ConsoleSmsGateway

    backend = settings.SMS["BACKEND"]
    if backend == "http":
        from hotline.integrations.sms.http import HttpSmsConfig, HttpSmsGateway

        return HttpSmsGateway(HttpSmsConfig.from_settings(settings.SMS))
    if backend == "smpp":
        from hotline.integrations.sms.smpp import SmppConfig, SmppSmsGateway

        return SmppSmsGateway(SmppConfig.from_settings(settings.SMS))
    return ConsoleSmsGateway()


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min … at most 30 min."""
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16)), MAX_RETRY)


def _enqueue_send() -> None:
    from hotline.integrations.sms.tasks import sms_send

    transaction.on_commit(sms_send.enqueue)


def sms_queue(
    *,
    to: str,
    text: str,
    reference: str = "",
    by: Any = None,
    send_after: datetime.datetime | None = None,
) -> SmsMessage:
    """Queue a text message to ``to`` in the caller's transaction; it is sent after commit.

    Idempotent per (``reference``, number): queueing the same reference to the same number
    again returns the first message instead of a second one. Raises ``ValidationError``
    naming ``to``, ``text`` or ``reference``.
    """
    number = normalize_phone(to)
    errors: dict[str, str] = {}
    if not is_mobile(number):
        errors["to"] = _("Not a mainland China mobile number: %(to)s") % {"to": to}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("The message is empty.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("The message is longer than %(max)s characters.") % {"max": MAX_TEXT}
    if len(reference) > 100:
        errors["reference"] = _("At most 100 characters.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    due = send_after or now
    message = SmsMessage(
        to=number,
        text=text,
        reference=reference,
        next_attempt_at=due,
        expires_at=due + datetime.timedelta(hours=settings.SMS["MAX_AGE_HOURS"]),
        created_at=now,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    with acting_as(by), transaction.atomic():
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # Queued before (the unique reference and number), perhaps a moment ago by
            # another transaction: that message. Looked up only then, so a new one costs
            # no read.
            return SmsMessage.objects.get(reference=reference, to=number)
        audit_record(
            action="create",
            obj=message,
            changes={"to": mask_phone(number), "reference": reference, "length": len(text)},
        )
        events.publish("sms.queued", {"id": message.pk, "reference": reference})
        _enqueue_send()
    return message


@dataclass
class SendRun:
    sent: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another sender
    deferred: int = 0  # left for later: the gateway went down during this run


def sms_claim(*, message: SmsMessage, now: datetime.datetime) -> bool:
    """Take ``message`` for one attempt; ``False`` if another sender got there first."""
    claimed = SmsMessage.objects.filter(
        pk=message.pk,
        status=SmsMessage.Status.QUEUED,
        next_attempt_at=message.next_attempt_at,
    ).update(next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    message.next_attempt_at = now + CLAIM_LEASE
    message.attempts += 1
    return True


def _publish(name: str, message: SmsMessage) -> None:
    with transaction.atomic():
        events.publish(
            name,
            {"id": message.pk, "reference": message.reference, "status": message.status},
        )


def _fail(message: SmsMessage, reason: str, error: str, now: datetime.datetime) -> None:
    message.status = SmsMessage.Status.FAILED
    message.error_reason = reason[:40]
    message.last_error = error[:500]
    message.failed_at = now
    message.save(update_fields=["status", "error_reason", "last_error", "failed_at"])
    logger.warning("SMS #%s failed (%s): %s", message.pk, reason, error)
    _publish("sms.failed", message)


def _send_one(
    gateway: SmsGateway, message: SmsMessage, now: datetime.datetime
) -> tuple[str, SmsError | None]:
    try:
        accepted = gateway.send(message.to, message.text, reference=f"sms-{message.pk}")
    except SmsRejected as exc:
        _fail(message, exc.reason, str(exc), now)
        return "failed", exc
    except SmsUnavailable as exc:
        message.error_reason = exc.reason[:40]
        message.last_error = str(exc)[:500]
        if now + retry_delay(message.attempts) > message.expires_at:
            _fail(message, "expired", f"not sent before it expired; last error: {exc}", now)
            return "failed", exc
        message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["error_reason", "last_error", "next_attempt_at"])
        return "retrying", exc
    message.gateway = gateway.name
    message.gateway_message_id = accepted.message_id[:100]
    message.parts = accepted.parts
    message.sent_at = now
    message.error_reason = message.last_error = ""
    fields = ["gateway", "gateway_message_id", "parts", "sent_at", "error_reason", "last_error"]
    if accepted.delivered:
        message.status = SmsMessage.Status.DELIVERED
        message.delivered_at = now
        fields += ["status", "delivered_at"]
    else:
        message.status = SmsMessage.Status.SENT
        if gateway.supports_delivery_status and message.gateway_message_id:
            message.next_status_check_at = now + STATUS_EVERY
            fields.append("next_status_check_at")
        fields.append("status")
    message.save(update_fields=fields)
    _publish("sms.sent" if not accepted.delivered else "sms.delivered", message)
    return ("delivered" if accepted.delivered else "sent"), None


def sms_send_due(
    *,
    now: datetime.datetime | None = None,
    limit: int = BATCH,
    gateway: SmsGateway | None = None,
) -> SendRun:
    """Send the queued messages that are due at ``now``.

    1. Pick up to ``limit`` queued rows whose next attempt is due, oldest first.
    2. Claim each with a conditional UPDATE; a row another sender claimed is skipped.
    3. Send it (outside any transaction: no lock is held while the gateway thinks).
    4. Accepted → sent (or delivered); refused → failed; unavailable → next attempt after
       back-off, or failed once it would be later than the message's expiry. After the
       first "gateway down" the rest of the batch is left untouched for a later run.
    """
    now = now or timezone.now()
    due = list(
        SmsMessage.objects.filter(
            status=SmsMessage.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")[:limit]
    )
    run = SendRun()
    if not due:
        return run
    own = gateway is None
    gateway = gateway or sms_gateway()
    try:
        for position, message in enumerate(due):
            if not sms_claim(message=message, now=now):
                run.skipped += 1
                continue
            outcome, error = _send_one(gateway, message, now)
            setattr(run, outcome, getattr(run, outcome) + 1)
            if isinstance(error, SmsUnavailable):
                run.deferred += len(due) - position - 1
                break
    finally:
        if own:
            gateway.close()
    return run


@dataclass
class StatusRun:
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    unknown: int = 0


def sms_check_delivery(
    *,
    now: datetime.datetime | None = None,
    limit: int = BATCH,
    gateway: SmsGateway | None = None,
) -> StatusRun:
    """Ask the gateway what became of sent messages whose status check is due.

    A message is asked about every ``STATUS_EVERY`` for ``STATUS_HOURS`` after sending;
    after that it stays "sent" (no receipt) and is not asked again.
    """
    now = now or timezone.now()
    rows = list(
        SmsMessage.objects.filter(
            status=SmsMessage.Status.SENT, next_status_check_at__lte=now
        ).order_by("next_status_check_at", "id")[:limit]
    )
    run = StatusRun()
    if not rows:
        return run
    own = gateway is None
    gateway = gateway or sms_gateway()
    give_up = datetime.timedelta(hours=settings.SMS["STATUS_HOURS"])
    try:
        for message in rows:
            # Claim the check: another sweep skips the row while we ask.
            claimed = SmsMessage.objects.filter(
                pk=message.pk,
                status=SmsMessage.Status.SENT,
                next_status_check_at=message.next_status_check_at,
            ).update(next_status_check_at=now + STATUS_EVERY)
            if not claimed:
                continue
            try:
                report = gateway.delivery_status(message.gateway_message_id)
            except SmsUnavailable:
                break  # ask again next time
            if report is None or report.state == DeliveryState.PENDING:
                if report is None:
                    run.unknown += 1
                else:
                    run.pending += 1
                if message.sent_at and now - message.sent_at > give_up:
                    SmsMessage.objects.filter(pk=message.pk).update(next_status_check_at=None)
                continue
            message.delivery_detail = report.detail[:100]
            message.next_status_check_at = None
            if report.state == DeliveryState.DELIVERED:
                message.status = SmsMessage.Status.DELIVERED
                message.delivered_at = report.at or now
                message.save(
                    update_fields=[
                        "status",
                        "delivered_at",
                        "delivery_detail",
                        "next_status_check_at",
                    ]
                )
                _publish("sms.delivered", message)
                run.delivered += 1
            else:
                message.save(update_fields=["delivery_detail", "next_status_check_at"])
                _fail(message, "undelivered", report.detail or "undelivered", now)
                run.failed += 1
    finally:
        if own:
            gateway.close()
    return run


def sms_resend(*, message: SmsMessage, by: Any, now: datetime.datetime | None = None) -> SmsMessage:
    """Queue a failed message again (an admin's action), with a fresh expiry."""
    now = now or timezone.now()
    with acting_as(by), transaction.atomic():
        updated = SmsMessage.objects.filter(pk=message.pk, status=SmsMessage.Status.FAILED).update(
            status=SmsMessage.Status.QUEUED,
            attempts=0,
            next_attempt_at=now,
            expires_at=now + datetime.timedelta(hours=settings.SMS["MAX_AGE_HOURS"]),
            failed_at=None,
        )
        if updated:
            audit_record(action="update", obj=message, changes={"status": ["failed", "queued"]})
            _enqueue_send()
    message.refresh_from_db()
    return message
