"""The switchboard running in this process, if any (the embedded set-up, or
``hotline switchboard``), so in-process commands reach it directly."""

from __future__ import annotations

from typing import Any

_service: Any = None


def set_current(service: Any) -> None:
    global _service
    _service = service


def current() -> Any:
    return _service
