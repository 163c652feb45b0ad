"""ASGI application of the demo BOSS process: Hotline's settings, the demo BOSS's URLs only."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest

URLCONF = "hotline.integrations.boss.urls"


class DemoBossHandler(ASGIHandler):
    """Resolves every request against the demo BOSS's URLconf, not the web application's."""

    def resolve_request(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        request.urlconf = URLCONF
        return super().resolve_request(request)


def _application() -> DemoBossHandler:
    import django

    django.setup(set_prefix=False)
    return DemoBossHandler()


application = _application()
