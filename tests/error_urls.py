"""Hotline's URLs plus one view that fails, to see what a user sees on a server error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from hotline.urls import urlpatterns as hotline_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(1 / 0))


urlpatterns = [*hotline_urlpatterns, path("boom/", boom)]
