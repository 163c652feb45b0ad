"""An agent's writes while a large customer import commits: do they all get through, how fast?

    python bench/writes_during_import.py [--rows 1000000] [--database URL] [--every 0.05]

Builds the demo regions and logins (no customers) in a temporary folder (or, with --database
or HOTLINE_DATABASE_URL, in that scratch database, whose customers are replaced), writes a CSV
of N valid customers, uploads it as the demo manager and starts the dry run and then the
commit through the import's services, which a real ``hotline worker`` process runs. Meanwhile
a second process adds a note to a customer every ``--every`` seconds through
``customers.services.customer_note_add`` (the service the customer page uses) and times
each one. Last line:
{"db": …, "import_rows": N, "import_s": …, "writes": …, "failed_writes": …, "write_p99_ms": …}
("import_s" is the dry run plus the commit, as in bench/import_customers.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like standard modules (calendar.py): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "src"))


def _import_customers() -> Any:
    """bench/import_customers.py, for its CSV writer."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "import_customers", ROOT / "bench" / "import_customers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()


def note_writer(customer_id: int, every: float, stop_file: Path, out: Path) -> None:
    """The second process: a note every ``every`` seconds until ``stop_file`` exists."""
    _django()
    from django.db import close_old_connections

    from hotline.accounts.models import User
    from hotline.customers.models import Customer
    from hotline.customers.services import customer_note_add

    agent = User.objects.get(username="agent")
    customer = Customer.objects.get(pk=customer_id)
    samples: list[float] = []
    failures: list[str] = []
    next_at = time.monotonic()
    while not stop_file.exists():
        started = time.perf_counter()
        try:
            customer_note_add(customer=customer, by=agent, body=f"note {len(samples)}")
        except Exception as error:  # every failure is the finding
            failures.append(repr(error)[:200])
            close_old_connections()
        samples.append(time.perf_counter() - started)
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))
    out.write_text(json.dumps({"samples": samples, "failures": failures}))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def _wait(job_id: int, states: set[str], worker: subprocess.Popen) -> str:
    from hotline.customers.models import ImportJob

    while True:
        status = ImportJob.objects.values_list("status", flat=True).get(pk=job_id)
        if status in states:
            return status
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped (exit {worker.returncode})")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=os.environ.get("HOTLINE_DATABASE_URL", ""))
    parser.add_argument("--every", type=float, default=0.05)
    parser.add_argument("--note-writer", nargs=3, metavar=("CUSTOMER", "STOP", "OUT"))
    args = parser.parse_args()
    if args.note_writer:
        customer, stop, out = args.note_writer
        note_writer(int(customer), args.every, Path(stop), Path(out))
        return

    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-writes-"))
    os.environ["HOTLINE_VAR_DIR"] = str(workdir)
    os.environ["HOTLINE_ENV"] = os.environ.get("HOTLINE_ENV", "development")
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        os.environ["HOTLINE_DATABASE_URL"] = args.database
    else:
        os.environ.pop("HOTLINE_DATABASE_URL", None)
    os.environ["PYTHONPATH"] = str(ROOT / "src")
    _django()
    from django.core.files.uploadedfile import UploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction

    from hotline.accounts.models import Region, User
    from hotline.audit.context import audit_actor
    from hotline.customers.imports import services
    from hotline.customers.models import Customer, CustomerPhone, ImportJob, TimelineEntry
    from hotline.demo.builder import demo_build

    write_csv = _import_customers().write_csv

    call_command("migrate", interactive=False, verbosity=0)
    demo_build(customers=0, reset=True)
    stations = list(Region.objects.filter(level=Region.Level.STATION).values_list("code", "name"))
    manager = User.objects.get(username="manager")
    station = Region.objects.filter(level=Region.Level.STATION).order_by("code").first()
    noted = Customer.objects.create(name="备注对象", phone="13800000000", region=station)
    CustomerPhone.objects.create(customer=noted, number=noted.phone, is_primary=True)
    source = workdir / "customers.csv"
    write_csv(source, args.rows, stations)
    with source.open("rb") as stream, audit_actor(manager):
        upload = UploadedFile(stream, name="customers.csv", size=source.stat().st_size)
        job = services.import_job_create(user=manager, upload=upload)
    source.unlink()
    connection.close()

    stop, out = workdir / "stop", workdir / "notes.json"
    worker = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "worker", "--interval", "0.1"],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    writer = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--every",
            str(args.every),
            "--note-writer",
            str(noted.pk),
            str(stop),
            str(out),
        ],
        cwd=ROOT,
    )
    try:
        while not TimelineEntry.objects.filter(customer=noted).exists():
            time.sleep(0.1)  # the note writer is up before the import starts
        started = time.perf_counter()
        with audit_actor(manager), transaction.atomic():
            services.import_job_start(job=job, dry_run=True)
        _wait(job.pk, {"validated", "failed", "cancelled"}, worker)
        validated = time.perf_counter()
        with audit_actor(manager), transaction.atomic():
            services.import_job_start(job=ImportJob.objects.get(pk=job.pk), dry_run=False)
        status = _wait(job.pk, {"done", "failed", "cancelled"}, worker)
        finished = time.perf_counter()
    finally:
        stop.touch()
        writer.wait(timeout=60)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    if status != "done":
        raise SystemExit(f"the import ended {status}")
    notes = json.loads(out.read_text())
    samples = notes["samples"]
    job.refresh_from_db()
    assert Customer.objects.filter(import_job=job).count() == args.rows
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "import_rows": args.rows,
                "import_s": round(finished - started, 1),
                "validate_s": round(validated - started, 1),
                "commit_s": round(finished - validated, 1),
                "writes": len(samples),
                "failed_writes": len(notes["failures"]),
                "write_p50_ms": round(_percentile(samples, 0.5) * 1000, 1),
                "write_p99_ms": round(_percentile(samples, 0.99) * 1000, 1),
                "write_max_ms": round(max(samples) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
