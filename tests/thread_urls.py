"""Hotline's URLs plus two views that tell which thread served them (tests/test_web_threads)."""

from __future__ import annotations

import threading

from django.http import HttpRequest, HttpResponse
from django.urls import path

from hotline.urls import urlpatterns as hotline_urlpatterns

release = threading.Event()
entered = threading.Event()


def thread_name(request: HttpRequest) -> HttpResponse:
    return HttpResponse(threading.current_thread().name)


def slow(request: HttpRequest) -> HttpResponse:
    """Holds its thread until the test releases it (a report, a BOSS call on the network)."""
    entered.set()
    release.wait(10)
    return HttpResponse(threading.current_thread().name)


urlpatterns = [
    *hotline_urlpatterns,
    path("probe/thread/", thread_name),
    path("probe/slow/", slow),
]
