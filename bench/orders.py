"""Work orders over HTTP: open → dispatch → accept → resolve (销单), against a running server.

    python bench/orders.py [--existing 1000000] [--orders 2000] [--concurrency 16]
                           [--workers 2] [--customers 20000] [--database URL] [--redis URL]

Builds the demo data set in a scratch database (a temporary SQLite file, or --database),
adds ``--existing`` closed orders with their full history through the bulk path, starts
``hotline web --workers N`` (docs/deploy.md: one web worker on SQLite; on PostgreSQL two
on two cores, with Redis as production has it: ``--redis``) and drives it
from this process with ``--concurrency`` orders in flight over keep-alive connections. Each
order is four API calls with the tokens of the network-management system, the dispatcher and
the technician. Reported: whole orders per second, and per-request latency.
Last line: {"db": …, "existing": …, "orders": …, "orders_per_s": …, "p50_ms": …, "p99_ms": …}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar module (httpx needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(args: argparse.Namespace) -> dict:
    """Scratch database: demo data, the existing orders, a bench order type, three tokens."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from hotline.accounts.models import Role, Technician, User
    from hotline.demo import tickets as demo_tickets
    from hotline.demo.builder import demo_build
    from hotline.integrations.api.tokens import api_token_issue
    from hotline.integrations.models import ApiClient
    from hotline.tickets.models import OrderType, SlaPolicy

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    demo_build(customers=args.customers, seed=2026, reset=True)
    if args.existing:
        from django.utils import timezone

        with transaction.atomic():
            rows = demo_tickets.closed_order_rows(
                random.Random(7),
                args.existing,
                end=timezone.now() - datetime.timedelta(days=2),
                days=730,
                first_id=demo_tickets.next_ticket_id(),
                with_timeline=False,
            )
            loaded = demo_tickets.bulk_insert(rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE tickets_ticket")
                cursor.execute("VACUUM ANALYZE tickets_tickethistory")
                # The load's dirty pages written now, not by a checkpoint during the run.
                cursor.execute("CHECKPOINT")
            else:
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"loaded {loaded} existing orders", file=sys.stderr)
    order_type, _ = OrderType.objects.get_or_create(
        code="nms-alarm",
        defaults={
            "label_zh": "网管告警",
            "label_en": "Network alarm",
            "sla_policy": SlaPolicy.objects.get(code="normal"),
        },
    )
    nms, _ = User.objects.get_or_create(
        username="bench-nms",
        defaults={"role": Role.objects.get(code=Role.DISPATCHER), "display_name": "网管"},
    )
    dispatcher = User.objects.get(username="dispatcher")
    region = dispatcher.regions.first()
    nms.regions.add(region)
    technicians = list(
        Technician.objects.filter(active=True, user__regions__path__startswith=region.path)
        .select_related("user")
        .order_by("id")
        .distinct()
    )

    def token(user: User, scopes: list[str]) -> str:
        client, _ = ApiClient.objects.get_or_create(name=f"bench-{user.username}", user=user)
        return api_token_issue(client=client, scopes=scopes, by=None)[1]

    return {
        "db": connection.vendor,
        "order_type": order_type.code,
        "nms": token(nms, ["tickets:write", "tickets:read"]),
        "dispatcher": token(dispatcher, ["tickets:write"]),
        "technicians": [
            {
                "id": t.pk,
                "station": t.user.regions.values_list("code", flat=True).first(),
                "token": token(t.user, ["tickets:write"]),
            }
            for t in technicians
        ],
        "setup_s": round(time.perf_counter() - started, 1),
    }


async def drive(base: str, setup: dict, orders: int, concurrency: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    by_station: dict[str, list[dict]] = {}
    for tech in setup["technicians"]:
        by_station.setdefault(tech["station"], []).append(tech)
    stations = sorted(by_station)
    counter = iter(range(orders))
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def call(token: str, path: str, body: dict, key: str) -> dict:
            started = time.perf_counter()
            response = await client.post(
                path,
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 300:
                errors.append(f"{path} {response.status_code} {response.text[:200]}")
                raise RuntimeError(errors[-1])
            return response.json()

        async def one(n: int) -> None:
            station = stations[n % len(stations)]
            tech = by_station[station][n % len(by_station[station])]
            order = await call(
                setup["nms"],
                "/api/v1/tickets/",
                {
                    "order_type": setup["order_type"],
                    "region": station,
                    "description": f"光节点告警 {n}",
                    "external_ref": f"alarm-{n}",
                },
                f"open-{n}",
            )
            actions = f"/api/v1/tickets/{order['id']}/actions/"
            await call(
                setup["dispatcher"],
                actions,
                {"action": "dispatch", "technician": tech["id"]},
                f"dispatch-{n}",
            )
            await call(tech["token"], actions, {"action": "accept"}, f"accept-{n}")
            await call(
                tech["token"], actions, {"action": "resolve", "note": "已修复"}, f"resolve-{n}"
            )

        async def loop() -> None:
            for n in counter:
                try:
                    await one(n)
                except RuntimeError:
                    continue

        # Warm-up: every worker process loads its code and opens its connections.
        warm = min(20, orders)
        counter = iter(range(orders, orders + warm))
        await asyncio.gather(*(loop() for _ in range(min(concurrency, warm))))
        latencies.clear()
        counter = iter(range(orders))
        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    done = orders - len(errors)
    return {
        "orders": done,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": round(elapsed, 2),
        "orders_per_s": round(done / elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=0)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=0, help="web workers (default: 1 on SQLite, 2 otherwise)"
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    parser.add_argument("--redis", default="", help="Redis URL: cache and channel layer")
    parser.add_argument(
        "--web-threads",
        type=int,
        default=0,
        help="request threads per web process (default: the setting)",
    )
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="hotline-bench-orders-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(
        {
            "HOTLINE_VAR_DIR": var_dir,
            "HOTLINE_ENV": "development",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_API_RATE": "100000000/min",
            "HOTLINE_DEMO_BOSS": "0",
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        env["HOTLINE_DATABASE_URL"] = args.database
    if args.web_threads:
        env["HOTLINE_WEB_THREADS"] = str(args.web_threads)
    if args.redis:
        env["HOTLINE_REDIS_URL"] = args.redis
    os.environ.update(env)
    if not args.database:
        os.environ.pop("HOTLINE_DATABASE_URL", None)
    setup = prepare(args)
    args.workers = args.workers or (1 if setup["db"] == "sqlite" else 2)

    port = free_port()
    command = [sys.executable, "-m", "hotline.cli", "web", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(args.workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(var_dir) / "web.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the web server did not start")
            time.sleep(0.2)
        result = asyncio.run(drive(base, setup, args.orders, args.concurrency))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"server log: {var_dir}/web.log", file=sys.stderr)
    print(
        json.dumps(
            {
                "db": setup["db"],
                "existing": args.existing,
                "web_workers": args.workers,
                "concurrency": args.concurrency,
                "setup_s": setup["setup_s"],
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
