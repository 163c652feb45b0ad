"""The `hotline` console command, run as a user would run it (on this checkout's code)."""

from __future__ import annotations

import json

from tests.processes import hotline, run_python


def django(code: str, var_dir) -> str:
    """Run ``code`` with Django set up against ``var_dir``'s database; return its output."""
    result = run_python(
        "-c",
        "import django; django.setup()\n" + code,
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_VAR_DIR=str(var_dir),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_command_builds_then_refuses_to_overwrite_without_reset(tmp_path):
    first = hotline("demo", "--customers", "200", "--seed", "5", var_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "200 customers" in first.stdout
    counted = django(
        "from hotline.customers.models import Customer; print(Customer.objects.count())", tmp_path
    )
    assert counted.strip() == "200"
    again = hotline("demo", "--customers", "200", "--seed", "5", var_dir=tmp_path)
    assert again.returncode == 2
    assert "--reset" in again.stderr


def test_worker_in_batch_mode_runs_every_queued_task_then_exits(tmp_path):
    assert hotline("manage", "migrate", "-v0", var_dir=tmp_path).returncode == 0
    marker = tmp_path / "marker.txt"
    django(
        "from tests.worker_tasks import fail_loudly, write_marker\n"
        f"write_marker.enqueue(path={str(marker)!r}, text='ran in the worker')\n"
        "fail_loudly.enqueue()",
        tmp_path,
    )
    assert not marker.exists()
    result = hotline("worker", "--batch", var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert marker.read_text(encoding="utf-8") == "ran in the worker"
    statuses = django(
        "import json; from django_tasks_db.models import DBTaskResult\n"
        "print(json.dumps(sorted(DBTaskResult.objects.values_list('task_path', 'status'))))",
        tmp_path,
    )
    assert json.loads(statuses) == [
        ["tests.worker_tasks.fail_loudly", "FAILED"],
        ["tests.worker_tasks.write_marker", "SUCCESSFUL"],
    ]


def test_run_on_another_port_has_its_demo_boss_beside_it(monkeypatch):
    from hotline import cli

    monkeypatch.delenv("HOTLINE_BOSS_URL", raising=False)
    monkeypatch.delenv("HOTLINE_ENV", raising=False)
    cli._demo_boss_beside(8061)
    assert cli.os.environ["HOTLINE_BOSS_URL"] == "http://127.0.0.1:8062/demo-boss/api/v1"
    monkeypatch.setenv("HOTLINE_BOSS_URL", "https://boss.example.com/api")  # set: kept
    cli._demo_boss_beside(8061)
    assert cli.os.environ["HOTLINE_BOSS_URL"] == "https://boss.example.com/api"
    monkeypatch.delenv("HOTLINE_BOSS_URL")
    monkeypatch.setenv("HOTLINE_ENV", "production")  # production names its BOSS itself
    cli._demo_boss_beside(8061)
    assert "HOTLINE_BOSS_URL" not in cli.os.environ


def test_the_printed_logins_line_up_in_chinese_too():
    from hotline.cli import _padded

    assert _padded("座席", 12) == "座席" + " " * 8
    assert _padded("系统管理员", 12) == "系统管理员" + " " * 2
    assert _padded("agent", 12) == "agent" + " " * 7
