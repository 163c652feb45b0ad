"""The import with real processes: a worker commits while another process writes notes and
the test reads progress over its own connection; a worker killed with SIGKILL mid-commit.

Runs against a scratch database of its own (a SQLite file, or a PostgreSQL database next to
the test database when HOTLINE_DATABASE_URL points at PostgreSQL), because the processes
cannot see the test's in-memory or rolled-back data. Every wait is on a database condition
with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("import_driver.py")
ROWS = 30_000
DEADLINE = 300.0


@dataclass
class Scratch:
    env: dict[str, str]
    url: str  # PostgreSQL URL, or "" for SQLite
    sqlite_path: Path

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run ``sql`` on a connection of the test's own (``%s`` placeholders)."""
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        conn = sqlite3.connect(self.sqlite_path, timeout=10)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def run(self, *args: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def driver(self, *args: str) -> dict[str, Any]:
        result = self.run(str(DRIVER), *args)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _postgres_url() -> str:
    url = os.environ.get("HOTLINE_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    var = tmp_path_factory.mktemp("import-processes")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(HOTLINE_VAR_DIR=str(var), HOTLINE_ENV="test", PYTHONPATH=str(ROOT / "src"))
    url = ""
    base = _postgres_url()
    if base:
        import psycopg

        head, _sep, name = base.rpartition("/")
        scratch_name = f"{name.split('?')[0]}_processes"
        url = f"{head}/{scratch_name}"
        with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{scratch_name}"')
        env["HOTLINE_DATABASE_URL"] = url
    box = Scratch(env=env, url=url, sqlite_path=var / "hotline.sqlite3")
    migrated = box.run("-m", "hotline.cli", "manage", "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    yield box
    if url:
        import psycopg

        with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')


def _wait_for(what: str, check: Callable[[], Any], deadline: float = DEADLINE) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``deadline`` seconds."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _job(box: Scratch, job: int) -> tuple[str, int, int, bool]:
    (row,) = box.query(
        "SELECT status, processed_rows, imported_count, rows_hidden"
        " FROM customers_importjob WHERE id = %s",
        (job,),
    )
    return row[0], row[1], row[2], bool(row[3])


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_notes_written_during_an_import_all_succeed_and_its_progress_moves_for_others(scratch):
    setup = scratch.driver("setup", "--rows", str(ROWS), "--prefix", "进程甲", "--seed", "1")
    job = setup["job"]
    worker = scratch.start("-m", "hotline.cli", "worker", "--interval", "0.2")
    notes = scratch.start(
        str(DRIVER), "notes", "--customer", str(setup["customer"]), "--job", str(job)
    )
    try:
        seen: set[int] = set()

        def finished() -> bool:
            status, processed, _imported, _hidden = _job(scratch, job)
            if status == "importing":
                seen.add(processed)
            return status not in {"importing", "validating"}

        _wait_for("the import to finish", finished)
        out, err = notes.communicate(timeout=DEADLINE)
        assert notes.returncode == 0, err[-3000:]
        written = json.loads(out.strip().splitlines()[-1])
    finally:
        _stop(notes)
        _stop(worker)
    assert _job(scratch, job)[0] == "done"
    # Read over this test's own connection, the job's progress moved during the commit.
    assert len({n for n in seen if n > 0}) >= 2, seen
    assert written["writes"] > 0
    assert written["failed"] == 0, written["failures"]
    visible = scratch.driver(
        "visible", "--prefix", "进程甲", "--job", str(job), "--phone", setup["phone"]
    )
    assert (visible["customers"], visible["search"]) == (ROWS, 1)


def test_an_import_killed_mid_commit_shows_no_row_and_is_cleaned_when_a_worker_starts(scratch):
    setup = scratch.driver("setup", "--rows", str(ROWS), "--prefix", "进程乙", "--seed", "2")
    job = setup["job"]
    worker = scratch.start("-m", "hotline.cli", "worker", "--interval", "0.2")
    try:

        def writing() -> bool:
            status, _processed, imported, _hidden = _job(scratch, job)
            assert status in {"importing"}, status
            return imported > 0

        _wait_for("the commit's first written rows", writing)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        _stop(worker)
    status, _processed, _imported, hidden = _job(scratch, job)
    assert (status, hidden) == ("importing", True)
    seen = scratch.driver(
        "visible", "--prefix", "进程乙", "--job", str(job), "--phone", setup["phone"]
    )
    assert seen["written"] > 0  # rows are in the tables…
    assert (seen["customers"], seen["phones"], seen["search"], seen["listed"]) == (0, 0, 0, 0)

    restarted = scratch.run("-m", "hotline.cli", "worker", "--batch")
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    status, _processed, imported, hidden = _job(scratch, job)
    assert (status, imported, hidden) == ("failed", 0, False)
    for table in ("customers_customer", "customers_customerphone"):
        count = scratch.query(f"SELECT COUNT(*) FROM {table} WHERE import_job_id = %s", (job,))  # noqa: S608
        assert count == [(0,)], table
