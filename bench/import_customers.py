"""Time the customer import (dry run, then the atomic commit) of a large CSV file.

    python bench/import_customers.py [--rows 1000000] [--database URL]

Builds the demo regions and logins (no customers) in a temporary folder (or, with --database,
in that scratch database, whose customers are replaced), writes a CSV of N valid customers
(streamed), uploads it through ``services.import_job_create`` as the demo manager, then runs
``import_validate`` (the dry run) and ``import_commit`` (checks again and writes, one
transaction). Last line: {"db": …, "rows": N, "validate_seconds": …, "commit_seconds": …,
"total_seconds": …, "peak_rss_mb": …}.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts named like standard modules (calendar.py): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"


def write_csv(path: Path, rows: int, stations: list[tuple[str, str]]) -> None:
    """N valid, distinct customers: ID-card numbers and mobiles derived from the row number."""
    from hotline.customers.id_numbers import id_check_character

    base = datetime.date(1950, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["姓名", "手机号码", "身份证号", "站点编码", "街道", "小区", "楼栋", "单元", "室"]
        )
        batch = []
        for i in range(rows):
            birth = (base + datetime.timedelta(days=i // 1000)).strftime("%Y%m%d")
            first17 = f"320402{birth}{i % 1000:03d}"
            code, street = stations[i % len(stations)]
            batch.append(
                (
                    SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)],
                    f"13{i % 10}{i:08d}",
                    first17 + id_check_character(first17),
                    code,
                    street,
                    f"{street[:2]}新村",
                    str(i % 60 + 1),
                    str(i % 6 + 1),
                    f"{i % 18 + 1}0{i % 4 + 1}",
                )
            )
            if len(batch) >= 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="hotline-bench-import-")
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
    from django.core.files.uploadedfile import UploadedFile
    from django.core.management import call_command
    from django.db import connection

    from hotline.accounts.models import Region, User
    from hotline.audit.context import audit_actor
    from hotline.customers.imports import services
    from hotline.customers.models import Customer
    from hotline.demo.builder import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    demo_build(customers=0, reset=True)
    stations = [
        (code, name)
        for code, name in Region.objects.filter(level=Region.Level.STATION).values_list(
            "code", "name"
        )
    ]
    manager = User.objects.get(username="manager")
    source = Path(workdir) / "customers.csv"
    started = time.perf_counter()
    write_csv(source, args.rows, stations)
    generate_seconds = time.perf_counter() - started

    with source.open("rb") as stream, audit_actor(manager):
        upload = UploadedFile(stream, name="customers.csv", size=source.stat().st_size)
        job = services.import_job_create(user=manager, upload=upload)
    source.unlink()
    assert {"name", "phone", "id_number", "region"} <= set(job.mapping), job.mapping

    with audit_actor(manager):
        started = time.perf_counter()
        checked = services.import_validate(job=job)
        validate_seconds = time.perf_counter() - started
        started = time.perf_counter()
        committed = services.import_commit(job=job)
        commit_seconds = time.perf_counter() - started
    if checked.errors or committed.errors or committed.imported != args.rows:
        print(services.import_error_preview(job, limit=5), file=sys.stderr)
        raise SystemExit("the import did not go through")
    assert Customer.objects.count() == args.rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "rows": args.rows,
                "file_mb": round(Path(job.file_path).stat().st_size / 2**20, 1),
                "generate_seconds": round(generate_seconds, 1),
                "validate_seconds": round(validate_seconds, 1),
                "commit_seconds": round(commit_seconds, 1),
                "total_seconds": round(validate_seconds + commit_seconds, 1),
                "rows_per_second": round(args.rows / (validate_seconds + commit_seconds)),
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
