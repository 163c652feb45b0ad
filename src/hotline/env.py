"""Typed helpers that read settings from the environment.

Every secret may also come from a file named by ``<NAME>_FILE`` (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def env_str(name: str, default: str | None = None) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: expected a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str = "") -> str:
    """An absolute ``http``/``https`` base address (no query or fragment), without its
    trailing slash; ``default`` when the variable is unset or empty."""
    raw = (env_str(name) or "").strip()
    if not raw:
        return default
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 (a malformed port raises only when read)
    except ValueError as exc:
        raise ConfigError(
            f"{name}: expected an address like https://hotline.example.com, got {raw!r}"
        ) from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"{name}: expected an http:// or https:// address with a host name, got {raw!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"{name}: expected a base address without user, query or fragment, got {raw!r}"
        )
    return raw.rstrip("/")


def served_url(host: str, port: int) -> str:
    """The address a server bound to ``host:port`` answers at, for links to it.

    A server bound to every interface (``0.0.0.0``, ``::``, empty) is reached at this
    machine's address on its network, not at the wildcard.
    """
    if host in {"", "0.0.0.0", "::", "[::]"}:  # noqa: S104 (reading a bind address, not binding)
        host = _network_address()
    host = host.strip("[]")
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _network_address() -> str:
    """This machine's address on the network its default route leads to (no packet is sent:
    connecting a UDP socket only picks the route); the loopback address without a network."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def installation_secret(path: Path, nbytes: int = 24) -> str:
    """A random secret made for this installation on first use and kept in ``path``.

    Every process of the installation reads the same file, so the first one to start creates
    it (written to a temporary file and linked into place: no process ever reads a half-written
    secret, and when two start at once one link wins and both read its value).
    """
    import secrets

    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        value = ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if value:
        return value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(nbytes) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its secret
        finally:
            temporary.unlink()
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from exc
