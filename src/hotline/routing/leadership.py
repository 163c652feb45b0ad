"""One active switchboard per site.

- PostgreSQL: a session advisory lock. The active process holds ``pg_try_advisory_lock(key)``
  on a connection of its own for as long as it runs; when it dies (even by ``kill -9``)
  PostgreSQL ends its session and frees the lock, and a standby polling once a second takes
  over.
- SQLite (one machine by nature): an exclusive ``flock`` on ``<var dir>/switchboard.lock``,
  which the kernel frees when the holding process dies.

Both the embedded switchboard (under the web process's lifespan) and ``hotline switchboard``
take the same lock, so two switchboards never drive one site's calls: a second process that
serves the web app (the demo BOSS, a second ``hotline web``) does not start one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any, Protocol


class SiteLock(Protocol):
    def try_acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    def __init__(self, key: int) -> None:
        self.key = key
        self.conn: Any = None

    @staticmethod
    def supported() -> bool:
        from django.db import connection

        return connection.vendor == "postgresql"

    def _connect(self) -> Any:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        return psycopg.connect(**params, autocommit=True)

    def try_acquire(self) -> bool:
        if self.conn is None or self.conn.closed:
            self.conn = self._connect()
        row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        return bool(row and row[0])

    def held(self) -> bool:
        """Whether our session (and so the lock) is still alive."""
        try:
            return bool(self.conn) and self.conn.execute("SELECT 1").fetchone() is not None
        except Exception:
            return False

    def release(self) -> None:
        if self.conn is not None and not self.conn.closed:
            try:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            finally:
                self.conn.close()
        self.conn = None


class FileLock:
    """An exclusive, non-blocking ``flock`` on ``path`` (held while the file stays open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
            self.fd = None


def site_lock() -> SiteLock:
    """The lock that makes a switchboard the site's active one, for this database."""
    from django.conf import settings

    if AdvisoryLock.supported():
        return AdvisoryLock(settings.SWITCHBOARD["LOCK_KEY"])
    return FileLock(Path(settings.VAR_DIR) / "switchboard.lock")
