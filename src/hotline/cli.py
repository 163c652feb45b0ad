"""The ``hotline`` console command: run | web | worker | demo | boss-demo | manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()


def _prepare_var_dir() -> None:
    from django.conf import settings

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _print_logins(host: str, port: int) -> None:
    from hotline.demo.builder import demo_logins

    print(f"\nHotline is serving http://{host}:{port}/  (Ctrl-C stops it)\n")
    print("Demo logins (one per role):")
    for username, password, role in demo_logins():
        print(f"  {role:<12} {username:<12} {password}")
    print(flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    _prepare_var_dir()
    _migrate()
    from hotline.demo.builder import DemoDataExists, demo_build

    try:
        result = demo_build(
            customers=args.customers, seed=args.seed, progress=True, reset=args.reset
        )
    except DemoDataExists as exc:
        print(f"hotline demo: {exc}", file=sys.stderr)
        return 2
    print(
        f"Demo data: {result.customers} customers, {result.users} users, "
        f"{result.regions} regions in {result.seconds:.1f} s"
    )
    return 0


def _serve(host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    uvicorn.run(
        "hotline.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        lifespan="off",
    )
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    _setup_django()
    return _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command(
        "db_worker",
        batch=args.batch,
        interval=args.interval,
        reload=False,
        startup_delay=not args.batch,
    )
    return 0


def cmd_boss_demo(args: argparse.Namespace) -> int:
    """Serve the demo BOSS in its own process (the web process must not call itself)."""
    _setup_django()
    from django.conf import settings

    if not settings.BOSS["DEMO"]:
        print("hotline boss-demo: switched off (HOTLINE_DEMO_BOSS=0)", file=sys.stderr)
        return 2
    return _serve(args.host, args.port, args.workers)


def _start_demo_boss() -> subprocess.Popen | None:
    """Start ``hotline boss-demo`` when BOSS_URL points at a demo BOSS on this machine."""
    from urllib.parse import urlsplit

    from django.conf import settings

    url = urlsplit(settings.BOSS["URL"])
    local = url.hostname in {"127.0.0.1", "localhost", "::1"}
    if not (settings.BOSS["DEMO"] and local and url.path.startswith("/demo-boss/")):
        return None
    command = [sys.executable, "-m", "hotline.cli", "boss-demo", "--port", str(url.port or 80)]
    return subprocess.Popen([*command, "--host", url.hostname or "127.0.0.1"])


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def cmd_run(args: argparse.Namespace) -> int:
    """Everything on one machine: migrate, demo data on first start, worker and web server."""
    _setup_django()
    _prepare_var_dir()
    _migrate()
    from django.conf import settings

    from hotline.accounts.models import User
    from hotline.demo.builder import demo_build

    if not User.objects.exists():
        print(f"First start: loading demo data ({settings.HOTLINE_DEMO_CUSTOMERS} customers)…")
        demo_build(customers=settings.HOTLINE_DEMO_CUSTOMERS, seed=2026, progress=True)
    worker = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"])
    boss = _start_demo_boss()
    _print_logins(args.host, args.port)
    try:
        return _serve(args.host, args.port)
    finally:
        _stop(boss)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hotline manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Hotline call center + CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="migrate, load demo data on first start, serve web + worker")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(func=cmd_run)

    web = sub.add_parser("web", help="serve the ASGI web application")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--workers", type=int, default=1)
    web.set_defaults(func=cmd_web)

    worker = sub.add_parser("worker", help="run background tasks from the database queue")
    worker.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    worker.set_defaults(func=cmd_worker)

    boss_demo = sub.add_parser("boss-demo", help="serve the demo BOSS (billing) HTTP API")
    boss_demo.add_argument("--host", default="127.0.0.1")
    boss_demo.add_argument("--port", type=int, default=8001)
    boss_demo.add_argument("--workers", type=int, default=1)
    boss_demo.set_defaults(func=cmd_boss_demo)

    demo = sub.add_parser("demo", help="build the deterministic demo data set")
    demo.add_argument("--customers", type=int, default=20000)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--reset", action="store_true", help="replace existing customers")
    demo.set_defaults(func=cmd_demo)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
