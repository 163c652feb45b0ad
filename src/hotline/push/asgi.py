"""ASGI entry point of ``hotline push``: the browsers' WebSockets, and nothing else.

A push process holds the sockets of many desktops and only forwards messages from the
channel layer to them: no request thread competes with its event loop for the
interpreter, so a screen pop is not held up behind the page requests of the web process
(docs/decisions/0020-push-processes.md). nginx sends ``/ws/`` here and the rest to
``hotline web``. It needs Redis: the pushes reach it through the shared channel layer.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hotline.push.routes import websocket_urlpatterns  # noqa: E402
from hotline.web_threads import PooledSocketThreads  # noqa: E402

NOT_HERE = b"This is a push process: it serves WebSockets at /ws/push/ only.\n"


async def http_not_here(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Any HTTP request (a misrouted proxy, a health probe): 404 with a plain answer."""
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": NOT_HERE})


application = ProtocolTypeRouter(
    {
        "http": http_not_here,
        "websocket": AllowedHostsOriginValidator(
            # The sockets' session, user and topic reads on four threads, not one.
            PooledSocketThreads(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), threads=4)
        ),
    }
)

# Everything this process keeps for its life is loaded: never walk it again (hotline/heap.py).
from hotline import heap  # noqa: E402

heap.settle()
