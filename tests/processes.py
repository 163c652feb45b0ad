"""Run Hotline in a child process the way a user would, on this checkout's code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def child_env(**env: str) -> dict[str, str]:
    """The parent's environment without Hotline/Django settings, importing this checkout."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    environment.update(env)
    return environment


def run_python(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=child_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def hotline(*args: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``hotline <args>`` with its own data directory."""
    return run_python("-m", "hotline.cli", *args, HOTLINE_VAR_DIR=str(var_dir), **env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args: str, port: int, var_dir: Path, **env: str) -> Iterator[str]:
    """Start ``hotline <args>`` and yield its base URL once it answers; stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", *args],
        env=child_env(HOTLINE_VAR_DIR=str(var_dir), **env),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"hotline {args} exited: {process.stderr.read()}")
            try:
                httpx.get(base + "/login/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # waiting for the server to listen, not timing behaviour
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
