"""Sessions kept in the one web process's memory for a minute (the embedded set-up).

Without Redis every request read its session row from the database. With one web process
(``hotline run``; docs/deploy.md recommends one on SQLite) a session is read from this
process's memory and written through to the database (Django's ``cached_db``), in a cache
whose entries live at most ``MAX_SECONDS``: a signing-out, which deletes the row and this
process's entry, holds everywhere at once; were a second web process started against the
advice, its copy of a signed-out session would be gone within a minute. The user's row is
still read on every request, so a deactivated user or a changed password ends the session at
the next request.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ShortLivedMemoryCache(LocMemCache):
    """Django's memory cache whose entries expire after ``OPTIONS["MAX_SECONDS"]`` at most."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        self.max_seconds = float(params.get("OPTIONS", {}).get("MAX_SECONDS", 60))

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> float | None:
        expiry = super().get_backend_timeout(timeout)
        latest = time.time() + self.max_seconds
        return latest if expiry is None else min(expiry, latest)
