"""Time the REST API and webhook delivery.

    python bench/api.py [--customers 5000] [--requests 300] [--deliveries 500] [--database URL]

Builds the demo data set in a temporary folder (or, with --database, in that scratch
database), issues a token for an all-regions user, and times through Django's test client:
a list page (50 customers, masked), a customer detail, and an idempotent create (plus its
replay). Then publishes webhook events to a local receiver (stdlib HTTP server on
127.0.0.1) and times ``webhook_deliver_due`` sending them.
Last line: {"db": …, "list": {"p50_ms": …}, …, "webhooks_per_s": …}.
"""

from __future__ import annotations

import argparse
import http.server
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1)

    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99), "n": len(ordered)}


class _Accept(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    args = parser.parse_args()

    os.environ.update(
        {
            "HOTLINE_VAR_DIR": tempfile.mkdtemp(prefix="hotline-bench-api-"),
            "HOTLINE_ENV": "development",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_API_RATE": "1000000/min",
            # The receiver is this script's own server on 127.0.0.1, which production refuses.
            "HOTLINE_WEBHOOK_ALLOW_PRIVATE": "1",
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
    from django.test import Client
    from django.utils import timezone

    from hotline.accounts.models import User
    from hotline.customers.models import Customer
    from hotline.demo.builder import demo_build
    from hotline.integrations.api.tokens import api_token_issue
    from hotline.integrations.models import ApiClient, WebhookDelivery
    from hotline.integrations.webhooks.services import (
        webhook_deliver_due,
        webhook_endpoint_create,
        webhook_publish,
    )

    call_command("migrate", interactive=False, verbosity=0)
    demo_build(customers=args.customers, seed=2026, reset=True)
    actor = User.objects.filter(is_superuser=True).first()
    api_client = ApiClient.objects.create(name="bench", user=actor)
    _token, full = api_token_issue(
        client=api_client, scopes=["customers:read", "customers:write"], by=None
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {full}"}
    ids = list(Customer.objects.values_list("id", flat=True)[: args.requests])
    region = Customer.objects.values_list("region__code", flat=True).first()
    client = Client()

    def timed(call) -> float:
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
        assert response.status_code < 300, (response.status_code, response.content[:300])
        return elapsed

    pages = max(1, len(ids) // 50)
    list_samples = [
        timed(lambda n=n: client.get("/api/v1/customers/", {"page": n % pages + 1}, **auth))
        for n in range(args.requests)
    ]
    detail_samples = [
        timed(lambda pk=pk: client.get(f"/api/v1/customers/{pk}/", **auth)) for pk in ids
    ]

    def create(n: int):
        return client.post(
            "/api/v1/customers/",
            json.dumps({"name": f"压测{n}", "region": region}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-{n}",
            **auth,
        )

    create_samples = [timed(lambda n=n: create(n)) for n in range(args.requests)]
    replay_samples = [timed(lambda n=n: create(n)) for n in range(args.requests)]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        WebhookDelivery.objects.all().delete()
        webhook_endpoint_create(
            name="bench",
            url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            events=["*"],
            by=None,
        )
        with transaction.atomic():
            for n in range(args.deliveries):
                webhook_publish(event="customer.updated", payload={"customer": {"id": n}})
        started = time.perf_counter()
        delivered = 0
        while True:
            run = webhook_deliver_due(now=timezone.now())
            if not (run.delivered or run.retrying):
                break
            delivered += run.delivered
        webhook_seconds = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()

    print(
        json.dumps(
            {
                "db": connection.vendor,
                "customers": args.customers,
                "list_page_50": stats(list_samples),
                "detail": stats(detail_samples),
                "create_idempotent": stats(create_samples),
                "create_replay": stats(replay_samples),
                "webhooks_delivered": delivered,
                "webhooks_per_s": round(delivered / webhook_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
