"""Seed a database for the two-worker timer test (run as a script in its own process).

``python tests/tickets/timer_world.py N`` opens N orders whose first escalation deadline has
already passed, so each has exactly one due timer; prints their timer ids as JSON.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")


def main(count: int) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from hotline.accounts.roles import ensure_default_roles
    from hotline.tickets.models import TicketTimer
    from hotline.tickets.services.opening import ticket_open
    from tests import factories
    from tests.conftest import World
    from tests.tickets.conftest import make_desk

    ensure_default_roles()
    city = factories.region("city", "常州市")
    d1 = factories.region("d1", "天宁区", city)
    d2 = factories.region("d2", "武进区", city)
    s1a = factories.region("s1a", "红梅站", d1)
    s1b = factories.region("s1b", "茶山站", d1)
    s2a = factories.region("s2a", "湖塘站", d2)
    world = World(
        city,
        d1,
        d2,
        s1a,
        s1b,
        s2a,
        factories.customer(s1a),
        factories.customer(s1b),
        factories.customer(s2a),
    )
    desk = make_desk(world)
    opened = timezone.now() - datetime.timedelta(hours=2)
    for _ in range(count):
        ticket_open(
            by=desk.agent,
            order_type=desk.fault,
            customer=world.c1a,
            form={"symptom": "无信号"},
            now=opened,
        )
    due = TicketTimer.objects.filter(status="pending", due_at__lte=timezone.now())
    print(json.dumps(sorted(due.values_list("id", flat=True))))


if __name__ == "__main__":
    main(int(sys.argv[1]))
