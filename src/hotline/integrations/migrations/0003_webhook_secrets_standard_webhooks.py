"""Webhook secrets in the Standard Webhooks form, keeping each endpoint's key.

Secrets used to be ``whsec_<urlsafe text>``, and the HMAC key was that whole text. Standard
Webhooks reads ``whsec_<base64 of the key>``: each secret becomes ``whsec_`` + the base64 of
its old text, so the key bytes stay the same and a receiver can derive its new secret from
the old one (docs/api.md says how).
"""

from __future__ import annotations

import base64

from django.db import migrations


def to_standard_webhooks(apps, schema_editor):  # type: ignore[no-untyped-def]
    WebhookEndpoint = apps.get_model("integrations", "WebhookEndpoint")
    for endpoint in WebhookEndpoint.objects.only("pk", "secret").iterator():
        key = endpoint.secret.encode()
        endpoint.secret = "whsec_" + base64.b64encode(key).decode()
        endpoint.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_sms_outbox")]

    operations = [migrations.RunPython(to_standard_webhooks, migrations.RunPython.noop)]
