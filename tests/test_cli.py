"""The `hotline` console command, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hotline(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env["HOTLINE_VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_command_builds_then_refuses_to_overwrite_without_reset(tmp_path):
    first = hotline("demo", "--customers", "200", "--seed", "5", var_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "200 customers" in first.stdout
    again = hotline("demo", "--customers", "200", "--seed", "5", var_dir=tmp_path)
    assert again.returncode == 2
    assert "--reset" in again.stderr
    assert (tmp_path / "hotline.sqlite3").exists()


def test_worker_runs_the_queue_and_exits_in_batch_mode(tmp_path):
    assert hotline("manage", "migrate", "-v0", var_dir=tmp_path).returncode == 0
    result = hotline("worker", "--batch", var_dir=tmp_path)
    assert result.returncode == 0, result.stderr


def test_help_lists_the_commands(tmp_path):
    result = hotline("--help", var_dir=tmp_path)
    for command in ("run", "web", "worker", "demo", "manage"):
        assert command in result.stdout
