"""The escalation scan with many open orders: how long finding the due timers takes.

    python bench/escalation_scan.py [--open-orders 1000000] [--due 500] [--database URL]

Builds the demo data set in a scratch database, then writes ``--open-orders`` open orders
with the timers the application keeps for them (resolution warning and deadline for each;
an escalation deadline for the few whose owner has not acted) through the bulk path; ``--due``
of those timers are already due. Times ``timers_due`` (the query the periodic scan runs:
pending timers due now, earliest first, one batch) and, for information, firing that batch.
Last line: {"db": …, "open_orders": …, "scan_ms": …}.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

TIMER_COLUMNS = (
    "ticket_id", "kind", "key", "due_at", "status", "data", "created_at", "fired_by", "outcome",
)  # fmt: skip


def open_order_rows(
    rng: random.Random, count: int, due: int, *, now: datetime.datetime, first_id: int
) -> Any:
    """Batches of open orders ("new", owned by a station dispatcher) and their timers."""
    from hotline.accounts.models import Region, User
    from hotline.demo.tickets import TICKET_COLUMNS
    from hotline.tickets.models import OrderType
    from hotline.tickets.services.timers import _iso

    order_type = OrderType.objects.select_related("sla_policy").get(code="fault-repair")
    policy = order_type.sla_policy
    stations = list(Region.objects.filter(level="station").values_list("id", flat=True))
    owner = User.objects.get(username="dispatcher").pk
    tickets: list[tuple[Any, ...]] = []
    timers: list[tuple[Any, ...]] = []
    due_every = max(1, count // max(due, 1))
    for n in range(count):
        ticket_id = first_id + n
        overdue_owner = n % due_every == 0 and due > 0
        created = now - datetime.timedelta(minutes=rng.randrange(5, 600))
        if overdue_owner:
            created = now - datetime.timedelta(minutes=rng.randrange(61, 120))
        resolution = created + datetime.timedelta(hours=48)
        warning = created + datetime.timedelta(hours=48 * 0.8)
        row = dict.fromkeys(TICKET_COLUMNS)
        row.update(
            number=f"WB{n:012d}", order_type_id=order_type.pk,
            category_id=order_type.statistic_item_id, priority="normal", state="new",
            source="api", external_ref="", customer_id=None, region_id=rng.choice(stations),
            address="", contact_name="", contact_phone="", description="", form_data="{}",
            owner_id=owner, escalation_level=1, owner_acknowledged=not overdue_owner,
            owner_since=created, at_top=False, created_at=created, updated_at=created,
            sla_policy_id=policy.pk, resolution_due_at=resolution, warning_at=warning,
            sla_provisional=False, paused_from="", confirmation_code="", resolution_note="",
            parts_used="", callback_state="",
        )  # fmt: skip
        tickets.append((ticket_id, *row.values()))
        pending = ("pending", "{}", created, "", "")
        timers.append((ticket_id, "warning", f"warning:{_iso(warning)}", warning, *pending))
        timers.append((ticket_id, "breach", f"breach:{_iso(resolution)}", resolution, *pending))
        if overdue_owner:
            key = f"owner:1:{owner}:{_iso(created)}"
            data = json.dumps({"level": 1, "owner_id": owner})
            owner_due = created + datetime.timedelta(minutes=60)
            timers.append((ticket_id, "owner", key, owner_due, "pending", data, created, "", ""))
        if len(tickets) >= 10_000:
            yield tickets, timers
            tickets, timers = [], []
    if tickets:
        yield tickets, timers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-orders", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    args = parser.parse_args()
    os.environ.update(
        {
            "HOTLINE_VAR_DIR": tempfile.mkdtemp(prefix="hotline-bench-scan-"),
            "HOTLINE_ENV": "development",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_DEMO_BOSS": "0",
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
        }
    )
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        os.environ["HOTLINE_DATABASE_URL"] = args.database
    else:
        os.environ.pop("HOTLINE_DATABASE_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.demo.builder import demo_build
    from hotline.demo.tickets import TICKET_COLUMNS, _write, next_ticket_id
    from hotline.tickets.models import Ticket, TicketTimer
    from hotline.tickets.services.timers import timers_due, timers_run

    call_command("migrate", interactive=False, verbosity=0)
    demo_build(customers=args.customers, seed=2026, reset=True)
    now = timezone.now()
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        rows = open_order_rows(
            random.Random(3), args.open_orders, args.due, now=now, first_id=next_ticket_id()
        )
        for tickets, timers in rows:
            _write(cursor, "tickets_ticket", ("id", *TICKET_COLUMNS), tickets, postgres)
            _write(cursor, "tickets_tickettimer", TIMER_COLUMNS, timers, postgres)
        if postgres:
            from django.core.management.color import no_style

            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, TicketTimer]):
                cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if postgres else "ANALYZE")
    load_s = time.perf_counter() - started
    pending = TicketTimer.objects.filter(status="pending").count()

    samples = []
    for _ in range(30):
        begin = time.perf_counter()
        found = timers_due(now=timezone.now(), limit=500)
        samples.append(time.perf_counter() - begin)
    begin = time.perf_counter()
    summary = timers_run(now=timezone.now(), worker="bench", limit=500)
    fire_s = time.perf_counter() - begin
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "open_orders": args.open_orders,
                "pending_timers": pending,
                "due_found": len(found),
                "scan_ms": round(statistics.median(samples) * 1000, 2),
                "scan_max_ms": round(max(samples) * 1000, 2),
                "fired": summary["fired"],
                "fire_batch_s": round(fire_s, 2),
                "load_s": round(load_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
