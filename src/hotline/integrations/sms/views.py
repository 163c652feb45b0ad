"""``/s/<token>``: a signed short link from a text message."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hotline.integrations.sms.links import LinkExpired, LinkInvalid, link_handler, verify


@never_cache
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """Verify the token and hand it to the app that owns its kind; 404 for anything else."""
    try:
        target = verify(token)
    except LinkExpired:
        return render(request, "integrations/link_expired.html", status=410)
    except LinkInvalid:
        return render(request, "404.html", status=404)
    handler = link_handler(target.kind)
    if handler is None:
        return render(request, "404.html", status=404)
    return handler(request, target)
