"""Time the customer page with the demo BOSS up, down (refused) and hanging (never answers).

    python bench/customer_page.py [--customers 20000] [--requests 300] [--database URL]

Builds the demo data set in a temporary folder (or, with --database, in that scratch database),
starts the demo BOSS as its own uvicorn process on a free loopback port (as `hotline run`
does), logs in with Django's test client and GETs /customers/<id>/ for random customers.
Phases: BOSS up; BOSS down (a closed port); BOSS hanging (accepts, never answers) with the
circuit breaker, and hanging with the breaker kept closed so every page waits the timeout.
Last line: {"db": …, "boss_up": {"p50_ms": …, "p99_ms": …}, "boss_down": {…}, …}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1)

    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99), "max_ms": rank(1.0), "n": len(ordered)}


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo BOSS exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("demo BOSS did not start in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="hotline-bench-page-")
    port = free_port()
    boss_url = f"http://127.0.0.1:{port}/demo-boss/api/v1"
    os.environ.update(
        {
            "HOTLINE_VAR_DIR": workdir,
            "HOTLINE_ENV": "development",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_DEMO_BOSS": "1",
            "HOTLINE_BOSS_URL": boss_url,
            "HOTLINE_LOG_LEVEL": "WARNING",
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
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from hotline.accounts.models import User
    from hotline.customers.models import Customer
    from hotline.demo.builder import demo_build
    from hotline.integrations.boss.services import billing_system_reset

    call_command("migrate", interactive=False, verbosity=0)
    demo_build(customers=args.customers, seed=2026, reset=True)
    ids = list(Customer.objects.values_list("id", flat=True))
    viewer = User.objects.filter(is_superuser=True).first() or User.objects.first()

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    boss = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "boss-demo", "--port", str(port)],
        env=env,
        cwd=ROOT,
    )
    hanging = socket.socket()
    try:
        wait_until_serving(boss_url + "/customers", boss)
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(1024)  # the kernel completes connections; nobody ever answers
        hanging_url = f"http://127.0.0.1:{hanging.getsockname()[1]}/api"
        closed_url = f"http://127.0.0.1:{free_port()}/api"

        client = Client()
        client.force_login(viewer)
        rng = random.Random(7)

        def run(boss_settings: dict, count: int) -> dict[str, float]:
            billing_system_reset()
            cache.clear()
            samples = []
            with override_settings(BOSS=boss_settings):
                for pk in rng.sample(ids, 10):  # warm-up: connections, templates
                    client.get(f"/customers/{pk}/")
                billing_system_reset()
                cache.clear()
                for pk in rng.sample(ids, count):
                    started = time.perf_counter()
                    response = client.get(f"/customers/{pk}/")
                    samples.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
            return stats(samples)

        base = settings.BOSS
        up = run(base, args.requests)
        down = run({**base, "URL": closed_url}, args.requests)
        hang = run({**base, "URL": hanging_url}, args.requests)
        no_breaker = {**base, "URL": hanging_url, "BREAKER_FAILURES": 10**9}
        hang_no_breaker = run(no_breaker, max(30, args.requests // 3))
    finally:
        hanging.close()
        boss.terminate()
        try:
            boss.wait(timeout=10)
        except subprocess.TimeoutExpired:
            boss.kill()
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "customers": args.customers,
                "boss_up": up,
                "boss_down": down,
                "boss_hanging": hang,
                "boss_hanging_breaker_off": hang_no_breaker,
                "boss_timeout_ms": base["TIMEOUT_MS"],
            }
        )
    )


if __name__ == "__main__":
    main()
