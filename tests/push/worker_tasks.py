"""Tasks that real worker processes run in the topology tests."""

from __future__ import annotations

from django_tasks import task

from hotline.push.send import push_send


@task()
def push_from_worker(group: str, n: int) -> int:
    push_send(group, "test.ping", {"n": n})
    return n
