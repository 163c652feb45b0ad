"""ASGI entry point: HTTP through Django, WebSockets through Channels, lifespan for the
parts that run beside the web app (see hotline.lifespan)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

from django.core.asgi import get_asgi_application

get_asgi_application()  # sets Django up

from hotline.web_threads import PooledASGIHandler, PooledSocketThreads  # noqa: E402

django_application = PooledASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hotline.lifespan import with_lifespan  # noqa: E402
from hotline.push.routes import websocket_urlpatterns as push_routes  # noqa: E402

application = with_lifespan(
    ProtocolTypeRouter(
        {
            "http": django_application,
            "websocket": AllowedHostsOriginValidator(
                PooledSocketThreads(AuthMiddlewareStack(URLRouter(push_routes)), threads=2)
            ),
        }
    )
)
