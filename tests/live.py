"""Real processes against a real, committed database: web servers, workers, publishers.

The pytest database lives inside a transaction that other processes cannot see, so tests of
topologies, workers and crashes get a database of their own: a fresh SQLite file, or (when
the suite runs on PostgreSQL) a fresh PostgreSQL database, migrated once per test module.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    """Whether the local Redis server answers (CI has one; tests that need it skip without)."""
    try:
        import redis

        return bool(redis.Redis.from_url(url).ping())
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "condition"
) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    Waiting for a state, not for a time: the test goes on as soon as the state is reached.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class LiveEnv:
    var_dir: Path
    env: dict[str, str]
    database_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def python(self, code: str, *, timeout: float = 60, **extra_env: str) -> str:
        """Run ``code`` in a fresh Django process on this database; return its stdout."""
        prelude = "import django, os; django.setup()\n"
        result = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"subprocess failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.strip()

    def start(self, *args: str, **extra_env: str) -> subprocess.Popen:
        """Start ``hotline <args>`` in the background (stopped at the end of the test)."""
        log = open(self.var_dir / f"{args[0]}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", *args],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen) -> str:
        index = self.processes.index(process)
        name = process.args[3] if isinstance(process.args, list) else "process"
        return (self.var_dir / f"{name}-{index}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def _postgres_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def _postgres_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_postgres_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class LiveDatabase:
    url: str
    drop: Callable[[], None]


def live_database(tmp_dir: Path) -> Iterator[LiveDatabase]:
    """A fresh database of the suite's kind (SQLite file, or PostgreSQL when configured)."""
    base = os.environ.get("HOTLINE_DATABASE_URL", "")
    if base.startswith("postgres"):
        name = f"hl_live_{uuid.uuid4().hex[:10]}"
        _postgres_admin(base, f'CREATE DATABASE "{name}"')
        try:
            yield LiveDatabase(_postgres_url(base, name), lambda: None)
        finally:
            _postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield LiveDatabase(f"sqlite:///{tmp_dir / 'live.sqlite3'}", lambda: None)


def make_live_env(var_dir: Path, database_url: str, **extra: str) -> LiveEnv:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HOTLINE_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        {
            # The project's code, and the repository root for tests' own worker tasks.
            "PYTHONPATH": f"{SRC}{os.pathsep}{SRC.parent}",
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "HOTLINE_ENV": "development",
            "HOTLINE_VAR_DIR": str(var_dir),
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_DEMO_BOSS": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    live = LiveEnv(var_dir=var_dir, env=env, database_url=database_url)
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "manage", "migrate", "-v0"],
        env=env,
        check=True,
        timeout=300,
    )
    return live


def run_async(coroutine: Any) -> Any:
    """Run ``coroutine`` to completion in a thread of its own.

    The browser tests' session-wide Playwright keeps an event loop running in the main
    thread, where ``asyncio.run`` would refuse to start another.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def http_ready(url: str) -> bool:
    """Whether a server answers at ``url`` (any HTTP status)."""
    import httpx

    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return True
