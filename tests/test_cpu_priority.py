"""Each process's CPU priority by its role (decision 0025)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hotline import cli
from hotline.cpu_priority import apply_role_priority


def _niceness_after(role: str, **env: str) -> str:
    """The niceness a fresh process ends at after ``apply_role_priority(role)``."""
    code = (
        f"from hotline.cpu_priority import apply_role_priority;print(apply_role_priority({role!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_worker_yields_to_the_processes_agents_wait_for():
    started = os.getpriority(os.PRIO_PROCESS, 0)
    assert _niceness_after("worker") == str(min(19, started + 10))


def test_the_web_processes_keep_the_priority_they_were_started_with():
    started = os.getpriority(os.PRIO_PROCESS, 0)
    assert _niceness_after("web") == str(started)


@pytest.mark.skipif(os.geteuid() != 0, reason="raising a priority needs root")
def test_the_switchboard_and_push_processes_go_first():
    started = os.getpriority(os.PRIO_PROCESS, 0)
    assert _niceness_after("switchboard") == str(max(-20, started - 5))
    assert _niceness_after("push") == str(max(-20, started - 5))


def test_off_leaves_every_process_as_started():
    assert _niceness_after("worker", HOTLINE_CPU_PRIORITY="off") == "None"


def test_a_process_that_may_not_raise_its_priority_says_so_and_runs_on(monkeypatch, capsys):
    def refused(step: int) -> int:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "nice", refused)
    assert apply_role_priority("switchboard") == os.getpriority(os.PRIO_PROCESS, 0)
    assert "CAP_SYS_NICE" in capsys.readouterr().err


def test_a_malformed_setting_stops_the_start_naming_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_CPU_PRIORITY", "fast")

    assert cli.main(["worker"]) == 2
    assert "HOTLINE_CPU_PRIORITY" in capsys.readouterr().err
