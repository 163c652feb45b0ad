"""The demo BOSS lives on its own port with a password made per installation.

It hands out names, phones and ID-card numbers without Hotline's login, scope or audit, so
the web port must never serve it, and its password must not be a default anyone can read in
the source.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import override_settings

from hotline.env import installation_secret

ROOT = Path(__file__).resolve().parent.parent.parent
OLD_FIXED_PASSWORD = "demo-boss-password"  # what every installation used to share


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_the_web_port_answers_404_under_demo_boss_even_with_the_right_password(client, world):
    boss = {**settings.BOSS, "DEMO": True}
    with override_settings(BOSS=boss):
        for path in ("customers?mobile=13912345678", "accounts/5190000001", "fault-notices"):
            response = client.get(
                f"/demo-boss/api/v1/{path}",
                HTTP_AUTHORIZATION=basic(boss["USERNAME"], boss["PASSWORD"]),
            )
            assert response.status_code == 404, path
            assert b"cust_name" not in response.content


def test_the_installation_secret_is_made_once_and_then_read_back(tmp_path):
    first = installation_secret(tmp_path / "var" / "demo-boss-password")
    again = installation_secret(tmp_path / "var" / "demo-boss-password")
    elsewhere = installation_secret(tmp_path / "other" / "demo-boss-password")
    assert first == again
    assert first != elsewhere
    assert len(first) >= 32
    assert (tmp_path / "var" / "demo-boss-password").stat().st_mode & 0o077 == 0
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["demo-boss-password"]


def _environment(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        HOTLINE_ENV="development",
        HOTLINE_DEBUG="0",
        HOTLINE_VAR_DIR=str(var_dir),
        HOTLINE_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def test_each_installation_gets_its_own_demo_boss_password(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.BOSS['USERNAME'], settings.BOSS['PASSWORD'])"
    )
    passwords = []
    for name in ("one", "two"):
        var_dir = tmp_path / name
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=_environment(var_dir, DJANGO_SETTINGS_MODULE="hotline.settings"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        username, password = result.stdout.split()
        assert username == "hotline"
        assert password == (var_dir / "demo-boss-password").read_text().strip()
        passwords.append(password)
    assert passwords[0] != passwords[1]
    assert OLD_FIXED_PASSWORD not in passwords


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def boss_process(tmp_path) -> Iterator[tuple[str, str]]:
    """``hotline boss-demo`` in its own process; yields its base URL and its password."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "boss-demo", "--port", str(port)],
        env=_environment(tmp_path),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.1)  # also the pause between tries
                if process.poll() is not None:
                    pytest.fail(f"boss-demo exited: {process.stderr.read().decode()}")
                if time.monotonic() > deadline:
                    pytest.fail("boss-demo did not start within 60 s")
        yield base, (tmp_path / "demo-boss-password").read_text().strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_boss_process_refuses_the_old_fixed_password_and_serves_only_its_api(boss_process):
    base, password = boss_process
    api = base + "/demo-boss/api/v1/customers"

    old = httpx.get(api, headers={"Authorization": basic("hotline", OLD_FIXED_PASSWORD)})
    assert old.status_code == 401
    assert old.headers["WWW-Authenticate"].startswith("Basic")
    assert httpx.get(api).status_code == 401

    # The installation's own password passes the door (the request then lacks a search term).
    own = httpx.get(api, headers={"Authorization": basic("hotline", password)})
    assert own.status_code == 400
    assert own.json() == {"code": 400, "msg": "give mobile or cert_no"}

    # Nothing of the web application is reachable on the demo BOSS's port.
    for path in ("/", "/login/", "/admin/", "/api/v1/customers/", "/api/schema/"):
        response = httpx.get(base + path, headers={"Authorization": basic("hotline", password)})
        assert response.status_code == 404, path
        assert response.json()["code"] == 404
