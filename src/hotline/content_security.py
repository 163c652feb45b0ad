"""The Content-Security-Policy every HTML page is sent with.

Scripts come only from Hotline's own static files: templates hold no inline ``<script>``,
no ``on…=`` attributes, no ``hx-on`` and no htmx trigger filters (all of which would need
``unsafe-inline`` or ``unsafe-eval``), and ``base.html`` turns htmx's eval off. So a
stored text that slipped past escaping still cannot run. Styles may be inline: templates
use a few ``style`` attributes and htmx adds its indicator style. The push socket
(``/ws/push/``) is on the page's own host. A response that brings its own, stricter policy
(an attachment served sandboxed) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("media-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("frame-ancestors", "'none'"),
    ("form-action", "'self'"),
)


def policy_for(request: HttpRequest) -> str:
    """The policy for a page served to ``request``: ``connect-src`` names the WebSocket
    origin of the host the page was asked for (``'self'`` alone is not understood as
    ws:/wss: by every browser)."""
    connect = "'self'"
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    if host:
        connect += f" ws://{host} wss://{host}"
    directives = [*_DIRECTIVES, ("connect-src", connect)]
    return "; ".join(f"{name} {value}" for name, value in directives)


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every HTML response that has none of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and HEADER not in response:
            response[HEADER] = policy_for(request)
        return response
