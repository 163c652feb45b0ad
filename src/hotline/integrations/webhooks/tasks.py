"""Background job: send the webhook deliveries that are due (enqueued on commit and per retry)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from hotline.integrations.webhooks.services import webhook_deliver_due


@task()
def webhook_deliver() -> int:
    """Deliver what is due now; return how many were delivered."""
    return webhook_deliver_due(now=timezone.now()).delivered
