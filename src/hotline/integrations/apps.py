from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "hotline.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from hotline import events
        from hotline.integrations.jobs import register_jobs
        from hotline.integrations.webhooks.subscribers import event_to_webhooks

        # In the publisher's transaction: the outbox row exists exactly when the change does.
        events.subscribe("*", event_to_webhooks, phase="transaction")
        register_jobs()
