"""Time `hotline demo` on a fresh database.

    python bench/demo_data.py --customers 1000000 [--database URL] [--seed 2026]

Without --database it builds into a new SQLite file in a temporary folder. With a
PostgreSQL URL it migrates that database and replaces its customers (use a scratch database).
Last line of output: {"customers": N, "seconds": …, "db": …, "rows_per_second": …}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    parser.add_argument(
        "--alone",
        action="store_true",
        help="as at first start: no other process, no pauses between write transactions",
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="hotline-bench-")
    os.environ["HOTLINE_VAR_DIR"] = workdir
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

    from hotline.demo.builder import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    result = demo_build(
        customers=args.customers, seed=args.seed, progress=True, reset=True, alone=args.alone
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "customers": result.customers,
                "seconds": round(result.seconds, 1),
                "db": connection.vendor,
                "alone": args.alone,
                "rows_per_second": round(result.customers / result.seconds)
                if result.seconds
                else None,
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
