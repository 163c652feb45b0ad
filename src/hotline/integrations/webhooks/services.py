"""Outgoing webhooks: publish into the outbox, deliver what is due, retry with back-off.

``webhook_publish`` writes one ``WebhookDelivery`` row per interested endpoint inside the
caller's transaction, so an event exists exactly when the change that caused it committed,
and nothing is lost while a receiver is down: the row stays in the table until delivered.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.audit.context import audit_actor
from hotline.audit.record import audit_record
from hotline.integrations.models import (
    WEBHOOK_EVENTS,
    WebhookDelivery,
    WebhookEndpoint,
    events_include,
)
from hotline.integrations.webhooks.addresses import UnsafeWebhookAddress, webhook_target
from hotline.integrations.webhooks.signing import (
    EVENT_HEADER,
    new_webhook_secret,
    webhook_signature_headers,
)

MAX_ATTEMPTS = 10
FIRST_RETRY = datetime.timedelta(seconds=30)
MAX_RETRY = datetime.timedelta(hours=6)
# A claimed row is not offered again for this long, so a worker that dies while sending
# only delays the delivery, and a slow receiver is not sent the same delivery twice at once.
CLAIM_LEASE = datetime.timedelta(minutes=5)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
BATCH = 100


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, 4 min … at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def _check_events(events: Iterable[str]) -> list[str]:
    events = sorted(set(events))
    unknown = [e for e in events if e != "*" and e not in WEBHOOK_EVENTS]
    if unknown:
        raise ValidationError(
            {"events": _("Unknown event: %(event)s") % {"event": ", ".join(unknown)}}
        )
    return events


def webhook_endpoint_create(
    *, name: str, url: str, events: Iterable[str], by: Any
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; return it and its signing secret (to give to the receiver)."""
    endpoint = WebhookEndpoint(
        name=name, url=url, events=_check_events(events), secret=new_webhook_secret()
    )
    endpoint.full_clean()
    with transaction.atomic(), audit_actor(by):
        endpoint.save()
    return endpoint, endpoint.secret


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: Any) -> str:
    """Give ``endpoint`` a new signing secret and return it."""
    endpoint.secret = new_webhook_secret()
    with transaction.atomic(), audit_actor(by):
        endpoint.save(update_fields=["secret"])
    return endpoint.secret


def _enqueue_delivery(run_after: datetime.datetime | None = None) -> None:
    from hotline.integrations.webhooks.tasks import webhook_deliver

    task = webhook_deliver.using(run_after=run_after) if run_after else webhook_deliver
    transaction.on_commit(task.enqueue)


def _endpoints_wanting(event: str) -> list[int]:
    """Ids of the active endpoints that want ``event``, in name order.

    Asked on every published event, mostly to find none: one plain statement, without
    building a queryset each time.
    """
    table = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, events FROM {table} WHERE active ORDER BY name, id")  # noqa: S608
        rows = cursor.fetchall()
    return [
        pk
        for pk, events in rows
        if events_include(json.loads(events) if isinstance(events, str) else events, event)
    ]


def webhook_publish(*, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint that wants it, in the caller's transaction."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoint_ids = _endpoints_wanting(event)
    if not endpoint_ids:
        return []
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=pk, event=event, payload=payload, next_attempt_at=now)
        for pk in endpoint_ids
    )
    _enqueue_delivery()
    return rows


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed); the same on every attempt."""
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(
        envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def webhook_delivery_claim(*, delivery: WebhookDelivery, now: datetime.datetime) -> bool:
    """Take ``delivery`` for one attempt; ``False`` if another worker got there first."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    delivery.next_attempt_at = now + CLAIM_LEASE
    delivery.attempts += 1
    return True


@dataclass
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker


def _send(
    client: httpx.Client, delivery: WebhookDelivery, now: datetime.datetime
) -> tuple[int | None, str]:
    """POST one attempt; the receiver's address is checked (and pinned) first."""
    try:
        target = webhook_target(delivery.endpoint.url)
    except UnsafeWebhookAddress as refused:
        return None, f"refused: {refused}"[:500]
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hotline-Webhooks/2",
        EVENT_HEADER: delivery.event,
        **webhook_signature_headers(
            secret=delivery.endpoint.secret, message_id=str(delivery.pk), timestamp=now, body=body
        ),
    }
    url = httpx.URL(target.url)
    extensions = {}
    if target.address is not None:
        # Connect to the address that was checked, not to whatever the name resolves to a
        # moment later; the Host header and TLS (SNI, certificate) still use the name.
        headers["Host"] = url.netloc.decode("ascii")
        if url.scheme == "https":
            extensions["sni_hostname"] = target.host
        url = url.copy_with(host=target.address)
    try:
        response = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def _record_outcome(
    delivery: WebhookDelivery, status_code: int | None, error: str, now: datetime.datetime
) -> str:
    delivery.last_status_code = status_code
    delivery.last_error = error
    if not error:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        outcome = "delivered"
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        outcome = "failed"
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        _enqueue_delivery(run_after=delivery.next_attempt_at)
        outcome = "retrying"
    delivery.save(
        update_fields=[
            "status",
            "delivered_at",
            "next_attempt_at",
            "last_status_code",
            "last_error",
        ]
    )
    return outcome


def webhook_deliver_due(
    *,
    now: datetime.datetime | None = None,
    limit: int = BATCH,
    client: httpx.Client | None = None,
) -> DeliveryRun:
    """Send the deliveries that are due at ``now``.

    1. Pick up to ``limit`` pending rows whose next attempt is due (active endpoints only).
    2. Claim each with a conditional UPDATE; a row another worker claimed is skipped.
    3. POST the signed body (outside any transaction: no locks held while waiting).
    4. 2xx → delivered; otherwise schedule the next try with back-off, or give up as
       failed after ``MAX_ATTEMPTS`` tries.
    """
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__active=True,
        )
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")[:limit]
    )
    run = DeliveryRun()
    if not due:
        return run
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        for delivery in due:
            if not webhook_delivery_claim(delivery=delivery, now=now):
                run.skipped += 1
                continue
            status_code, error = _send(http, delivery, now)
            outcome = _record_outcome(delivery, status_code, error, now)
            setattr(run, outcome, getattr(run, outcome) + 1)
    finally:
        if client is None:
            http.close()
    return run


def webhook_sweep(
    *, now: datetime.datetime | None = None, client: httpx.Client | None = None
) -> DeliveryRun:
    """Send every delivery due at ``now``, batch after batch; for a periodic scheduler.

    It picks up what nothing else will: a delivery whose enqueue was lost (a crash between
    commit and enqueue) and one whose worker died after claiming it (its claim lease has
    expired, so it is due again). Retries scheduled during the sweep fall after ``now`` and
    wait for their own time, and rows another worker claims are skipped, so it ends.
    """
    now = now or timezone.now()
    total = DeliveryRun()
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        while True:
            run = webhook_deliver_due(now=now, client=http)
            for outcome in ("delivered", "retrying", "failed", "skipped"):
                setattr(total, outcome, getattr(total, outcome) + getattr(run, outcome))
            if run.delivered + run.retrying + run.failed == 0:
                return total
    finally:
        if client is None:
            http.close()


def webhook_delivery_redeliver(
    *, delivery: WebhookDelivery, by: Any, now: datetime.datetime | None = None
) -> WebhookDelivery:
    """Send a delivery again: a failed one is retried from scratch; a delivered one is
    copied into a new delivery (new id, so receivers that de-duplicate still accept it)."""
    now = now or timezone.now()
    with transaction.atomic(), audit_actor(by):
        delivery.refresh_from_db(fields=["status"])  # decide on the stored state, not a copy
        if delivery.status == WebhookDelivery.Status.DELIVERED:
            target = WebhookDelivery.objects.create(
                endpoint=delivery.endpoint,
                event=delivery.event,
                payload=delivery.payload,
                next_attempt_at=now,
            )
        else:
            target = delivery
            target.status = WebhookDelivery.Status.PENDING
            target.attempts = 0
            target.next_attempt_at = now
            target.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(
            action="system",
            obj=target,
            changes={"redeliver": [delivery.pk, target.pk], "event": target.event},
        )
        _enqueue_delivery()
    return target
