"""Domain events that receivers may subscribe to become webhook deliveries."""

from __future__ import annotations

from hotline.events import Event
from hotline.integrations.models import WEBHOOK_EVENTS
from hotline.integrations.webhooks.services import webhook_publish


def event_to_webhooks(event: Event) -> None:
    if event.name in WEBHOOK_EVENTS:
        webhook_publish(event=event.name, payload=event.data)
