"""The ``hotline`` console command: run | web | push | worker | switchboard | demo | boss-demo |
manage."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from hotline.cpu_priority import apply_role_priority
from hotline.env import ConfigError


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


def _serving_at(host: str, port: int) -> None:
    """Tell the settings (of this process and of the children it starts) where the web
    server listens: the default base of the links in text messages (HOTLINE_PUBLIC_URL)."""
    from hotline.env import served_url

    os.environ["HOTLINE_SERVED_URL"] = served_url(host, port)


def _demo_boss_beside(port: int) -> None:
    """In development, the demo BOSS ``hotline run`` starts listens on the port after the web
    server's (8001 beside 8000), so two installations on one machine (``--port``) do not
    share one demo BOSS, whose password is the other installation's."""
    if os.environ.get("HOTLINE_ENV", "development") == "development" and 0 < port < 65535:
        os.environ.setdefault("HOTLINE_BOSS_URL", f"http://127.0.0.1:{port + 1}/demo-boss/api/v1")


def _padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def _print_logins(host: str, port: int) -> None:
    from django.conf import settings

    from hotline.demo.builder import demo_logins

    print(f"\nHotline is serving http://{host}:{port}/  (Ctrl-C stops it)")
    print(f"Links in text messages start with {settings.PUBLIC_URL}/ (HOTLINE_PUBLIC_URL)\n")
    print("Demo logins (one per role):")
    for username, password, role in demo_logins():
        print(f"  {_padded(str(role), 12)} {username:<12} {password}")
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


def _event_loop_run(main: Coroutine[Any, Any, int]) -> int:
    """Run ``main`` on uvloop where it is installed (it comes with uvicorn[standard], which
    serves the web and push processes on it), else on asyncio's own loop."""
    import asyncio

    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _serve(
    host: str,
    port: int,
    workers: int = 1,
    app: str = "hotline.asgi:application",
    lifespan: str = "on",
) -> int:
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        lifespan=lifespan,
    )
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    # Several web processes without Redis: a push must go through the database relay so
    # that it reaches the sockets of every process, not just the sender's.
    os.environ["HOTLINE_WEB_WORKERS"] = str(args.workers)
    _serving_at(args.host, args.port)
    _setup_django()
    return _serve(args.host, args.port, args.workers)


def cmd_push(args: argparse.Namespace) -> int:
    apply_role_priority("push")  # before any thread starts: threads inherit it
    _setup_django()
    from hotline.push.send import shared_layer

    if not shared_layer():
        print(
            "push: needs Redis (HOTLINE_REDIS_URL): pushes reach a push process only through"
            " the shared channel layer; without it the web process serves the sockets",
            file=sys.stderr,
            flush=True,
        )
        return 2
    return _serve(
        args.host, args.port, args.workers, app="hotline.push.asgi:application", lifespan="off"
    )


def cmd_worker(args: argparse.Namespace) -> int:
    apply_role_priority("worker")
    _setup_django()
    from django.core.management import call_command

    from hotline.customers.exports.services import export_jobs_sweep
    from hotline.customers.imports.services import import_jobs_sweep
    from hotline.scheduler.runner import SchedulerThread
    from hotline.scheduler.services import worker_id

    # Imports and exports whose worker died (kill -9, power loss) are failed, and the rows
    # such an import wrote are removed.
    import_jobs_sweep()
    export_jobs_sweep()
    if not args.batch:
        SchedulerThread(schedule=not args.no_scheduler).start()

    call_command(
        "db_worker",
        batch=args.batch,
        interval=args.interval,
        reload=False,
        startup_delay=not args.batch,
        verbosity=0,  # one line per task is noise; failures are logged by scheduler.apps
        # Named like its heartbeat, so the reaper can tell a dead worker's running tasks.
        worker_id=worker_id(),
    )
    return 0


def cmd_switchboard(args: argparse.Namespace) -> int:
    """The switchboard on its own (production): active while it holds the site's lock."""
    import time

    apply_role_priority("switchboard")
    _setup_django()
    from hotline.routing.leadership import site_lock

    lock = site_lock()
    announced = False
    while not lock.try_acquire():
        if not announced:
            print("switchboard: standby", flush=True)
            announced = True
        time.sleep(args.poll)
    print("switchboard: active", flush=True)
    try:
        return _event_loop_run(_run_switchboard(lock))
    except KeyboardInterrupt:
        return 0
    finally:
        lock.release()


async def _run_switchboard(lock) -> int:  # type: ignore[no-untyped-def]
    import asyncio

    from hotline.push.send import layer_outbox_drain, set_host_loop, set_layer_loop, shared_layer
    from hotline.routing import runtime
    from hotline.routing.bootstrap import build_switchboard
    from hotline.routing.commands import serve_commands

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not shared_layer():
        set_host_loop(None)  # pushes go through the relay table to the web process
        print(
            "switchboard: no Redis (HOTLINE_REDIS_URL): calls are routed and pushed, but the"
            " desktops' commands cannot reach this process",
            file=sys.stderr,
            flush=True,
        )
    if shared_layer():
        set_layer_loop(loop)  # pushes from the switchboard's threads reuse its connections
    service = await asyncio.get_running_loop().run_in_executor(None, build_switchboard)
    await service.start()
    runtime.set_current(service)
    from hotline import heap

    heap.settle()
    listener = asyncio.create_task(serve_commands(service)) if shared_layer() else None
    code = 0
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            if not await loop.run_in_executor(None, lock.held):
                print("switchboard: lost the lock, stopping", flush=True)
                code = 3
                break
    finally:
        if listener is not None:
            listener.cancel()
        runtime.set_current(None)
        await service.stop()
        await layer_outbox_drain()
    return code


def cmd_boss_demo(args: argparse.Namespace) -> int:
    """Serve the demo BOSS in its own process on its own port, with its own URLs only.

    The web process must not call itself, and the web port must not hand out the demo
    BOSS's personal data: ``hotline.integrations.boss.asgi`` resolves the demo BOSS's
    URLconf and nothing else.
    """
    _setup_django()
    _prepare_var_dir()
    from django.conf import settings

    if not settings.BOSS["DEMO"]:
        print("hotline boss-demo: switched off (HOTLINE_DEMO_BOSS=0)", file=sys.stderr)
        return 2
    # No lifespan: the web process's companions (relay, scheduler) are not the demo BOSS's.
    return _serve(
        args.host,
        args.port,
        args.workers,
        app="hotline.integrations.boss.asgi:application",
        lifespan="off",
    )


def _die_with_parent() -> None:
    """In a child: get SIGTERM when ``hotline run`` dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, preexec_fn=_die_with_parent)


def _demo_boss_command() -> list[str] | None:
    """``hotline boss-demo`` when BOSS_URL points at a demo BOSS on this machine."""
    from urllib.parse import urlsplit

    from django.conf import settings

    url = urlsplit(settings.BOSS["URL"])
    local = url.hostname in {"127.0.0.1", "localhost", "::1"}
    if not (settings.BOSS["DEMO"] and local and url.path.startswith("/demo-boss/")):
        return None
    command = [sys.executable, "-m", "hotline.cli", "boss-demo", "--port", str(url.port or 80)]
    return [*command, "--host", url.hostname or "127.0.0.1"]


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
    _serving_at(args.host, args.port)
    _demo_boss_beside(args.port)
    _setup_django()
    _prepare_var_dir()
    _migrate()
    from django.conf import settings

    from hotline.accounts.models import User
    from hotline.demo.builder import demo_build

    first_start = not User.objects.exists()
    if first_start:
        print(f"First start: loading demo data ({settings.HOTLINE_DEMO_CUSTOMERS} customers)…")
        # Nobody else uses the database yet: short transactions, no pauses between them.
        demo_build(customers=settings.HOTLINE_DEMO_CUSTOMERS, seed=2026, progress=True, alone=True)
    from hotline.routing.demo import switchboard_demo_setup

    switchboard_demo_setup()
    if first_start:  # a week of calls, so the call log and the timelines are not empty
        from hotline.demo.calls import build_call_demo

        build_call_demo(seed=2026)
    from hotline.supervise import Supervised, Supervisor

    children = [Supervised("worker", [sys.executable, "-m", "hotline.cli", "worker"], start=_child)]
    boss_command = _demo_boss_command()
    if boss_command is not None:
        children.append(Supervised("demo BOSS", boss_command, start=_child))
    for child in children:
        child.start()
    supervisor = Supervisor(children)
    supervisor.start()
    _print_logins(args.host, args.port)

    def _terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # uvicorn handles SIGTERM itself, then re-raises it once it has shut down; this handler
    # turns that into an exit that runs the ``finally`` below, so no child is left behind.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _serve(args.host, args.port)
    finally:
        supervisor.stop()  # first: a child stopped below is not started again
        for child in reversed(children):
            _stop(child.process)


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

    push = sub.add_parser("push", help="serve the browsers' WebSockets only (needs Redis)")
    push.add_argument("--host", default="127.0.0.1")
    push.add_argument("--port", type=int, default=8002)
    push.add_argument("--workers", type=int, default=1)
    push.set_defaults(func=cmd_push)

    worker = sub.add_parser("worker", help="run background tasks from the database queue")
    worker.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    worker.add_argument(
        "--no-scheduler", action="store_true", help="do not enqueue periodic jobs from here"
    )
    worker.set_defaults(func=cmd_worker)

    boss_demo = sub.add_parser("boss-demo", help="serve the demo BOSS (billing) HTTP API")
    boss_demo.add_argument("--host", default="127.0.0.1")
    boss_demo.add_argument("--port", type=int, default=8001)
    boss_demo.add_argument("--workers", type=int, default=1)
    boss_demo.set_defaults(func=cmd_boss_demo)

    board = sub.add_parser("switchboard", help="run the switchboard (one active per site)")
    board.add_argument("--poll", type=float, default=1.0, help="standby: seconds between tries")
    board.set_defaults(func=cmd_switchboard)

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
    except ConfigError as exc:  # a setting is missing or malformed: say which, no traceback
        print(f"hotline {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
