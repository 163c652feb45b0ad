"""Tasks the CLI tests enqueue to see that `hotline worker` really runs the queue."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> int:
    return Path(path).write_text(text, encoding="utf-8")


@task()
def fail_loudly() -> None:
    raise RuntimeError("this task always fails")
