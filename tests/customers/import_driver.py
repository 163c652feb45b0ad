"""Commands that tests run in their own processes against a scratch database.

    python tests/customers/import_driver.py setup --rows N --prefix 甲
    python tests/customers/import_driver.py visible --prefix 甲 --job J
    python tests/customers/import_driver.py notes --customer C --job J

The database is whatever HOTLINE_DATABASE_URL / HOTLINE_VAR_DIR say; each command prints one
JSON object as its last line.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()


def write_rows(path: Path, rows: int, prefix: str, seed: int, region: str) -> None:
    """``rows`` valid, distinct customers named ``prefix`` + number."""
    from hotline.customers.id_numbers import id_check_character

    base = datetime.date(1950, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["姓名", "手机号码", "身份证号", "站点编码", "地址"])
        for i in range(rows):
            birth = (base + datetime.timedelta(days=i // 1000)).strftime("%Y%m%d")
            first17 = f"3204{seed:02d}{birth}{i % 1000:03d}"
            writer.writerow(
                [
                    f"{prefix}{i}",
                    f"13{seed % 10}{i:08d}",
                    first17 + id_check_character(first17),
                    region,
                    f"青洋路{i}号",
                ]
            )


def cmd_setup(args: argparse.Namespace) -> dict:
    from django.core.files.uploadedfile import UploadedFile
    from django.db import transaction

    from hotline.accounts.models import Region, User
    from hotline.audit.context import audit_actor
    from hotline.customers.imports import services
    from hotline.customers.models import Customer, CustomerPhone
    from hotline.demo.builder import demo_build

    if not User.objects.filter(username="manager").exists():
        demo_build(customers=0)
    manager = User.objects.get(username="manager")
    station = Region.objects.filter(level=Region.Level.STATION).order_by("code").first()
    customer = Customer.objects.create(
        name=f"{args.prefix}旁人", phone="13800000000", region=station
    )
    CustomerPhone.objects.create(customer=customer, number=customer.phone, is_primary=True)
    source = Path(os.environ["HOTLINE_VAR_DIR"]) / f"rows-{args.seed}.csv"
    write_rows(source, args.rows, args.prefix, args.seed, station.code)
    with source.open("rb") as stream, audit_actor(manager):
        upload = UploadedFile(stream, name="rows.csv", size=source.stat().st_size)
        job = services.import_job_create(user=manager, upload=upload)
        with transaction.atomic():
            services.import_job_start(job=job, dry_run=False)
    return {"job": job.pk, "customer": customer.pk, "phone": f"13{args.seed % 10}{1:08d}"}


def cmd_visible(args: argparse.Namespace) -> dict:
    """What users could see of the import's rows, through the same code as the pages."""
    from hotline.accounts.models import User
    from hotline.customers import selectors
    from hotline.customers.models import Customer, CustomerPhone

    manager = User.objects.get(username="manager")
    return {
        "customers": Customer.objects.filter(
            name__startswith=args.prefix, import_job_id=args.job
        ).count(),
        "phones": CustomerPhone.objects.filter(import_job_id=args.job).count(),
        "search": len(selectors.customer_search(user=manager, query=args.phone).ids),
        "listed": selectors.customer_list(user=manager).filter(import_job_id=args.job).count(),
        "written": Customer.all_objects.filter(import_job_id=args.job).count(),
    }


def cmd_notes(args: argparse.Namespace) -> dict:
    """Write a note every ``--every`` seconds through the page's service while the job runs."""
    from django.db import close_old_connections

    from hotline.accounts.models import User
    from hotline.customers.models import Customer, ImportJob
    from hotline.customers.services import customer_note_add

    agent = User.objects.get(username="agent")
    customer = Customer.objects.get(pk=args.customer)
    times: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        status = ImportJob.objects.values_list("status", flat=True).get(pk=args.job)
        started = time.perf_counter()
        try:
            customer_note_add(customer=customer, by=agent, body=f"note {len(times)}")
        except Exception as error:  # every failure is the finding
            failures.append(repr(error)[:200])
            close_old_connections()
        times.append(time.perf_counter() - started)
        if status not in ImportJob.RUNNING:
            break
        time.sleep(args.every)
    times.sort()
    return {
        "writes": len(times),
        "failed": len(failures),
        "failures": failures[:5],
        "max_ms": round(times[-1] * 1000, 1) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup")
    setup.add_argument("--rows", type=int, required=True)
    setup.add_argument("--prefix", required=True)
    setup.add_argument("--seed", type=int, default=1)
    visible = sub.add_parser("visible")
    visible.add_argument("--prefix", required=True)
    visible.add_argument("--job", type=int, required=True)
    visible.add_argument("--phone", required=True)
    notes = sub.add_parser("notes")
    notes.add_argument("--customer", type=int, required=True)
    notes.add_argument("--job", type=int, required=True)
    notes.add_argument("--every", type=float, default=0.02)
    notes.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    _django()
    result = {"setup": cmd_setup, "visible": cmd_visible, "notes": cmd_notes}[args.command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
