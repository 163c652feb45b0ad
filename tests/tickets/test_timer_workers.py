"""Each timer fires exactly once with two real ``hotline worker`` processes, across a restart
and a ``kill -9`` of one of them (its own database, so the workers can share it)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TIMERS = 40


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        HOTLINE_ENV="test",
        HOTLINE_VAR_DIR=str(var_dir),
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_SCHEDULE="tickets.timers=1",
        HOTLINE_SCHEDULER_TICK_MS="200",
        # A few timers per scan: the work spreads over many periods and both workers.
        HOTLINE_TICKETS_TIMER_BATCH="3",
        HOTLINE_DB_POOL="0",
    )
    return env


@contextlib.contextmanager
def _database(tmp_path: Path) -> Iterator[tuple[str, Callable[[str], list[tuple[Any, ...]]]]]:
    """A database of its own (SQLite file, or a fresh PostgreSQL database) and a query helper."""
    url = os.environ.get("HOTLINE_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"hl_timers_{uuid.uuid4().hex[:8]}"
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        db_url = url.rsplit("/", 1)[0] + "/" + name
        try:

            def query(sql: str) -> list[tuple[Any, ...]]:
                with psycopg.connect(db_url, autocommit=True) as conn:
                    return list(conn.execute(sql).fetchall())

            yield db_url, query
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "workers.sqlite3"

        def query(sql: str) -> list[tuple[Any, ...]]:
            conn = sqlite3.connect(path, timeout=10)
            try:
                return list(conn.execute(sql).fetchall())
            finally:
                conn.close()

        yield f"sqlite:///{path}", query


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "worker", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)  # polling interval, not a timing assumption


def test_each_timer_fires_exactly_once_with_two_workers_a_restart_and_a_kill(tmp_path):
    with _database(tmp_path) as (url, query):
        env = _env(url, tmp_path)
        _run(["-m", "hotline.cli", "manage", "migrate", "-v0"], env)
        timer_ids = json.loads(
            _run(
                [
                    str(
                        ROOT / "tests/tickets/timer_world.py",
                    ),
                    str(TIMERS),
                ],
                env,
            )
        )
        assert len(timer_ids) == TIMERS

        def done() -> int:
            # Only the seeded timers are due; the ones their firing sets are an hour away.
            rows = query("SELECT count(*) FROM tickets_tickettimer WHERE status = 'done'")
            return rows[0][0]

        workers = [_worker(env, tmp_path / "a.log"), _worker(env, tmp_path / "b.log")]
        try:
            _wait(lambda: done() >= 9, seconds=90, what="the first timers to fire")
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            at_kill = done()
            assert at_kill < TIMERS, "the work was over before the kill; nothing was tested"
            workers[0] = _worker(env, tmp_path / "a2.log")  # the restart
            _wait(lambda: done() == TIMERS, seconds=180, what="every timer to fire")
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
        fired = query(
            "SELECT timer_id, count(*) FROM tickets_tickethistory WHERE timer_id IS NOT NULL "
            "GROUP BY timer_id"
        )
        assert sorted(timer for timer, _count in fired) == timer_ids
        assert all(count == 1 for _timer, count in fired), fired
        workers_seen = query(
            "SELECT fired_by, count(*) FROM tickets_tickettimer WHERE status = 'done' "
            "GROUP BY fired_by"
        )
        assert all(name for name, _n in workers_seen), workers_seen
        print("fired by", workers_seen, "killed at", at_kill)
        # Each escalation moved its order exactly one step up (a second firing would move two).
        levels = query(
            "SELECT escalation_level, count(*) FROM tickets_ticket GROUP BY escalation_level"
        )
        assert levels == [(2, TIMERS)]
