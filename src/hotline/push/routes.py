"""WebSocket routes of the push app (mounted by hotline.asgi)."""

from __future__ import annotations

from django.urls import path

from hotline.push.consumers import PushConsumer

websocket_urlpatterns = [path("ws/push/", PushConsumer.as_asgi())]
