"""Customer lookup latency: phone, last 4 digits, ID number, Chinese name, address fragment,
full address with city and district, landline without area code, part of a company name.

    python bench/lookup.py --customers 1000000 [--database URL] [--var-dir DIR] [--reuse]

Builds the demo data set (unless --reuse finds one of the right size), then times, for the
demo agent (bound to the whole city) and for a dispatcher bound to one district:
``customer_search`` (the lookup: ranked ids of the matching customers) and, separately, the
lookup plus loading the first page of 50 results as the search page does.
Last line: {"db": …, "customers": N, "p50_ms": {…}, "p99_ms": {…}, "page_p99_ms": {…}, …}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

KINDS = (
    "phone",
    "phone_last4",
    "id_number",
    "name",
    "address",
    "full_address",
    "landline",
    "company_fragment",
    "company_fragment_2",
)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", default="")
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()

    os.environ["HOTLINE_VAR_DIR"] = args.var_dir or tempfile.mkdtemp(prefix="hotline-lookup-")
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        os.environ["HOTLINE_DATABASE_URL"] = args.database
    else:
        os.environ.pop("HOTLINE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from hotline.accounts.models import User
    from hotline.customers.models import Customer, CustomerPhone
    from hotline.customers.selectors import customer_search, customers_by_ids
    from hotline.demo.builder import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    if not (args.reuse and Customer.objects.count() == args.customers):
        demo_build(customers=args.customers, seed=2026, progress=True, reset=True)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: set the visibility map, so that
        # index-only scans (phone last digits) need not visit the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE customers_customerphone")
            cursor.execute("VACUUM ANALYZE customers_customer")

    rng = random.Random(42)
    top = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sample_ids = [rng.randint(1, top) for _ in range(args.samples)]
    people = list(
        Customer.objects.filter(pk__in=sample_ids, kind="person").values_list(
            "name", "id_number", "street", "building", "address"
        )
    )
    # Companies are 3 % of the demo customers: sample them apart. Their names are two words
    # and a kind ("恒通" "金科" "科技有限公司"): a fragment from the middle is the second word
    # with what follows it.
    companies = list(
        Customer.objects.filter(kind="company", pk__gte=rng.randint(1, top))
        .order_by("pk")
        .values_list("name", flat=True)[: args.samples]
    )
    landlines = list(
        CustomerPhone.objects.filter(customer_id__in=sample_ids, kind="home").values_list(
            "number", flat=True
        )
    ) or list(
        CustomerPhone.objects.filter(kind="home", customer_id__gte=rng.randint(1, top))
        .order_by("customer_id")
        .values_list("number", flat=True)[: args.samples]
    )
    phones = list(
        CustomerPhone.objects.filter(customer_id__in=sample_ids, is_primary=True).values_list(
            "number", flat=True
        )
    )
    queries = {
        "phone": phones,
        "phone_last4": [p[-4:] for p in phones],
        "id_number": [p[1] for p in people],
        "name": [p[0] for p in people],
        "address": [f"{p[2]} {p[3]}幢" for p in people],
        "full_address": [p[4] for p in people],
        "landline": [n[4:] for n in landlines],
        "company_fragment": [n[2:6] for n in companies],
        "company_fragment_2": [n[2:4] for n in companies],
    }

    def measure(username: str) -> tuple[dict, dict, dict]:
        user = User.objects.get(username=username)
        lookups: dict[str, list[float]] = {}
        pages: dict[str, list[float]] = {}
        found: dict[str, float] = {}
        for kind in KINDS:
            samples = queries[kind]
            for text in samples[:20]:  # warm caches and connections
                customers_by_ids(customer_search(user=user, query=text).ids[:50])
            lookup_ms, page_ms, hits = [], [], []
            for text in samples:
                user = User.objects.get(pk=user.pk)  # a request starts with a fresh user
                started = time.perf_counter()
                result = customer_search(user=user, query=text)
                searched = time.perf_counter()
                customers_by_ids(result.ids[:50])
                done = time.perf_counter()
                lookup_ms.append((searched - started) * 1000)
                page_ms.append((done - started) * 1000)
                hits.append(len(result.ids))
            lookups[kind], pages[kind], found[kind] = lookup_ms, page_ms, statistics.mean(hits)
        return lookups, pages, found

    timings, page_timings, found = measure("agent")  # bound to the whole city: the usual case
    scoped, _scoped_pages, _ = measure("dispatcher")  # bound to one district (武进区)
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "customers": Customer.objects.count(),
                "samples": args.samples,
                "p50_ms": {k: round(statistics.median(v), 2) for k, v in timings.items()},
                "p99_ms": {k: round(percentile(v, 99), 2) for k, v in timings.items()},
                "page_p50_ms": {k: round(statistics.median(v), 2) for k, v in page_timings.items()},
                "page_p99_ms": {k: round(percentile(v, 99), 2) for k, v in page_timings.items()},
                "scoped_user_p99_ms": {k: round(percentile(v, 99), 2) for k, v in scoped.items()},
                "mean_results": {k: round(v, 1) for k, v in found.items()},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
