from __future__ import annotations

from typing import Any


def client_ip(request: Any) -> str | None:
    """The client address as Django sees it (the reverse proxy sets REMOTE_ADDR correctly)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
