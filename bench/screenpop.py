"""Screen pop: time from the switchboard's offer to the agent's socket holding the pop.

    python bench/screenpop.py --agents 500 --calls-per-s 20 [--duration 30] [--talk 5]
                              [--client-loop uvloop|asyncio]
    python bench/screenpop.py --agents 2000 --calls-per-s 20 \\
        --database postgres://postgres@127.0.0.1:5432/hotline_bench --redis redis://127.0.0.1:6379/13

Builds a scratch database (a temporary SQLite file, or --database): the demo data set
(``--customers``), the demo switchboard (queues general / tv / net, the published IVR flow)
and ``--agents`` agent users with the three skills and a session each. Then starts the
servers as subprocesses, as they run on a site:

- SQLite: ``hotline run`` (the ``make run`` set-up: one web process with the embedded
  switchboard, and a worker);
- --database with --redis: production, ``hotline web --workers N`` + ``hotline push`` (the
  sockets, as nginx routes ``/ws/`` on a site; ``--push-workers 0`` leaves them on the web
  processes) + ``hotline switchboard`` + ``hotline worker``, pushes and commands over the
  Redis channel layer (``HOTLINE_CHANNEL_LAYER`` in this process's environment is handed
  to the servers: ``lists`` compares with the stored-message layer, decision 0024).

Every agent is a real WebSocket client on /ws/push/ with its session cookie, subscribed to
what the desktop subscribes to (its agent topic and the queue figures); over HTTP, as
desk.js does, it logs in and goes ready, and for each call offered: loads the pop panel,
answers after ``--answer-after`` s, hangs up after ``--talk`` s, posts the wrap-up form (which
makes it ready again). The callers are the switchboard's own simulated traffic (the traffic
setting at ``--calls-per-s``, IVR keys 1/2/0, 70 % known customers). Each pop carries the
site-clock time at which the switchboard chose the agent (``offered_at``); the latency is
the client's clock when the socket hands over the message, minus that (same machine).

Offered = ringing steps written for the bench agents; popped = those whose pop arrived.
Progress on stderr; last line:
{"db": …, "agents": …, "calls_per_s": …, "offered": …, "popped": …, "p50_ms": …, "p99_ms": …}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar module (httpx needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

USERNAME = "bench-agent-{:05d}"
CSRF_SECRET = secrets.token_hex(16)  # 32 characters: Django's unmasked secret length
IVR_MIX = "1:60,2:25,0:15"  # TV, internet, an agent; every key ends in a queue
SETTINGS_EVERY = 5.0  # the switchboard re-reads the traffic setting this often (traffic.py)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the scratch database --------------------------------------------------------------------
def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Demo data, the demo switchboard, the bench agents with sessions, traffic off."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.accounts.models import Role, User
    from hotline.catalog.models import StatisticItem
    from hotline.demo.builder import demo_build
    from hotline.routing.demo import switchboard_demo_setup
    from hotline.routing.models import AgentSkill, AgentStatus, Skill, TrafficSetting

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not User.objects.filter(username="agent").exists() or args.customers_reset:
        log(f"demo data: {args.customers} customers")
        demo_build(customers=args.customers, seed=2026, reset=True, alone=True)
    switchboard_demo_setup()
    role = Role.objects.get(code=Role.AGENT)
    template = User.objects.get(username="agent")  # the demo agent: whole-city scope
    regions = list(template.regions.all())
    names = [USERNAME.format(n) for n in range(args.agents)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    with transaction.atomic():
        fresh = []
        for name in names:
            if name in existing:
                continue
            user = User(username=name, role=role, display_name=f"压测座席{name[-5:]}")
            user.set_unusable_password()
            fresh.append(user)
        User.objects.bulk_create(fresh, batch_size=500)
    agents = list(User.objects.filter(username__in=names).order_by("username"))
    skills = list(Skill.objects.filter(code__in=["general", "tv", "net"]))
    with transaction.atomic():
        through = User.regions.through
        through.objects.filter(user__in=agents).delete()
        through.objects.bulk_create(
            [through(user_id=a.pk, region_id=r.pk) for a in agents for r in regions],
            batch_size=1000,
        )
        AgentSkill.objects.filter(agent__in=agents).delete()
        AgentSkill.objects.bulk_create(
            [
                AgentSkill(agent=a, skill=s, proficiency=3 + (n + i) % 3)
                for n, a in enumerate(agents)
                for i, s in enumerate(skills)
            ],
            batch_size=1000,
        )
        AgentStatus.objects.filter(agent__in=agents).delete()  # logged out
        setting = TrafficSetting.objects.first() or TrafficSetting()
        setting.enabled = False
        setting.calls_per_hour = round(args.calls_per_s * 3600)
        setting.known_share = args.known_share
        setting.ivr_mix = IVR_MIX
        setting.save()
    # Sessions as a login would leave them (Django's auth keys); the engine encodes them.
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    store = engine.SessionStore()
    expires = timezone.now() + datetime.timedelta(hours=12)
    rows, sessions = [], []
    for agent in agents:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(agent.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
            HASH_SESSION_KEY: agent.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        sessions.append({"id": agent.pk, "session": key})
    with transaction.atomic():
        Session.objects.filter(expire_date__lt=timezone.now()).delete()
        Session.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # The wrap-up form's disposition (required by default), as an agent would choose one.
    disposition = StatisticItem.objects.active().for_calls().order_by("sort_order", "pk").first()
    vendor = connection.vendor
    connection.close()
    return {
        "db": vendor,
        "agents": sessions,
        "disposition": str(disposition.pk) if disposition else "",
        "setup_s": round(time.perf_counter() - started, 1),
    }


def traffic_switch(enabled: bool) -> None:
    from django.db import connection

    from hotline.routing.models import TrafficSetting

    TrafficSetting.objects.update(enabled=enabled)
    connection.close()


def offers_since(since: float, agent_ids: list[int], window: tuple[float, float]) -> dict[str, Any]:
    """The ringing steps for the bench agents, and the calls, since ``since`` (epoch s); and
    the calls that came in and the offers made within the timed ``window`` (epoch s)."""
    from django.db import connection

    from hotline.telephony.clock import as_datetime
    from hotline.telephony.models import CallRecord, CallStep

    at = as_datetime(since)
    ids = set(agent_ids)
    rings: Counter = Counter()
    ringing_at: dict[tuple[str, int], float] = {}
    steps = CallStep.objects.filter(kind="ringing", at__gte=at).order_by("id")
    for call_id, agent_id, step_at in steps.values_list("call__call_id", "agent_id", "at"):
        if agent_id in ids:
            rings[(call_id, agent_id)] += 1
            ringing_at[(call_id, agent_id)] = step_at.timestamp()
    calls = CallRecord.objects.filter(offered_at__gte=at)
    start, end = as_datetime(window[0]), as_datetime(window[1])
    in_window = calls.filter(offered_at__gte=start, offered_at__lt=end).count()
    rung = sum(1 for at_ in ringing_at.values() if window[0] <= at_ < window[1])
    result = {
        "arrivals_per_s": round(in_window / max(window[1] - window[0], 1e-9), 2),
        "offers_per_s": round(rung / max(window[1] - window[0], 1e-9), 2),
        "rings": rings,
        "ringing_at": ringing_at,
        "calls": calls.count(),
        "abandoned": calls.filter(state=CallRecord.State.ABANDONED).count(),
        "open": calls.filter(ended_at__isnull=True).count(),
    }
    connection.close()
    return result


# --- the servers -------------------------------------------------------------------------
class Servers:
    """The subprocesses of one topology, each in its own process group (killed with it)."""

    def __init__(self, env: dict[str, str], var_dir: Path) -> None:
        self.env = env
        self.var_dir = var_dir
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log_file = open(self.var_dir / f"{name}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", *args],
            env=self.env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def check(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited ({process.returncode}): see {self.var_dir}")

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


# --- the agents --------------------------------------------------------------------------
@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    pops: Counter = field(default_factory=Counter)  # (call_id, agent_id) -> pops received
    timed: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    without_time: int = 0
    answered: int = 0
    wrapped: int = 0
    not_answered: int = 0
    errors: list[str] = field(default_factory=list)
    http: dict[str, list[float]] = field(default_factory=dict)  # kind -> latencies
    figures: int = 0
    pop_retries: int = 0  # pop panels asked for again (the offer not written yet)
    lags: list[float] = field(default_factory=list)
    last_pop: float = 0.0
    first_pop: float = 0.0
    measuring: bool = False


class AgentClient:
    """One agent's desktop: a socket for pushes, HTTP for commands, the pop and wrap-up."""

    def __init__(self, bench: Bench, agent: dict[str, Any]) -> None:
        self.bench = bench
        self.id: int = agent["id"]
        self.cookie = f"sessionid={agent['session']}; csrftoken={CSRF_SECRET}"
        self.state = "logged_out"
        self.call_id = ""
        self.subscribed = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()
        self.rng = random.Random(self.id)

    def later(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def request(
        self, method: str, path: str, data: dict | None = None, *, kind: str = ""
    ) -> Any:
        headers = {"Cookie": self.cookie, "X-CSRFToken": CSRF_SECRET}
        started = time.perf_counter()
        try:
            response = await self.bench.http.request(method, path, data=data, headers=headers)
        except Exception as error:  # the connection, not the answer
            self.bench.results.errors.append(f"{method} {path}: {error!r}")
            return None
        if self.bench.results.measuring:
            elapsed = time.perf_counter() - started
            self.bench.results.http.setdefault(kind or path, []).append(elapsed)
        return response

    async def command(self, op: str, *, expected: tuple[str, ...] = ()) -> dict[str, Any]:
        response = await self.request("POST", "/desk/command/", {"op": op}, kind=op)
        if response is None:
            return {"ok": False}
        try:
            result = response.json()
        except ValueError:
            result = {"ok": False, "error": f"HTTP {response.status_code}"}
        if not result.get("ok") and result.get("error") not in expected:
            self.bench.results.errors.append(f"{op} agent {self.id}: {result.get('error')}")
        return result

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        bench = self.bench
        async with bench.connecting:
            socket_ = await connect(
                bench.ws_url,
                origin=bench.base,
                additional_headers={"Cookie": self.cookie},
                proxy=None,
                open_timeout=120,
                max_size=2**22,
            )
        try:
            topics = [f"agent.{self.id}"]
            if bench.args.queue_figures:
                topics.append("switchboard.queues")
            await socket_.send(json.dumps({"subscribe": topics}))
            async for raw in socket_:
                received = time.time()
                self.on_message(json.loads(raw), received)
        except Exception as error:
            if not bench.stopping:
                bench.results.errors.append(f"socket agent {self.id}: {error!r}")
        finally:
            with contextlib.suppress(Exception):
                await socket_.close()

    def on_message(self, message: dict[str, Any], received: float) -> None:
        kind, data = message.get("type"), message.get("data") or {}
        results = self.bench.results
        if kind == "subscribed":
            if message.get("refused"):
                results.errors.append(f"agent {self.id} refused {message['refused']}")
            self.subscribed.set()
        elif kind == "call.offered":
            self.call_id = data.get("call_id", "")
            offered_at = data.get("offered_at")
            if offered_at is None:
                results.without_time += 1
            elif results.measuring:
                results.latencies.append(received - offered_at)
                results.timed[(self.call_id, self.id)] = (offered_at, received)
            results.pops[(self.call_id, self.id)] += 1
            results.last_pop = received
            results.first_pop = results.first_pop or received
            self.later(self.take(self.call_id))
        elif kind == "agent.state":
            self.state = data.get("state", self.state)
            if self.state == "talking":
                self.later(self.talk())
            elif self.state == "wrap_up" and data.get("call_id"):
                self.later(self.wrap_up(data["call_id"]))
            elif self.state == "not_ready" and self.bench.running:
                self.later(self.command("ready", expected=("invalid_state",)))
        elif kind == "queue.figures":
            results.figures += 1

    async def take(self, call_id: str) -> None:
        """The desktop loads the pop panel at once; the agent answers a moment later."""
        args = self.bench.args
        if args.fetch_pop:
            # As desk.js: the pop is pushed as the phone rings and the offer written just
            # after, so a panel not found yet is asked again a moment later.
            for attempt in range(5):
                response = await self.request("GET", f"/desk/pop/{call_id}/", kind="pop panel")
                if response is None or response.status_code != 404 or attempt == 4:
                    break
                self.bench.results.pop_retries += 1
                await asyncio.sleep(0.15 * (attempt + 1))
            if response is not None and response.status_code != 200:
                self.bench.results.errors.append(f"pop {call_id}: HTTP {response.status_code}")
        await asyncio.sleep(args.answer_after)
        result = await self.command("answer", expected=("nothing_to_answer",))
        if result.get("ok"):
            self.bench.results.answered += 1
        else:
            self.bench.results.not_answered += 1  # the caller gave up while it rang

    async def talk(self) -> None:
        talk = self.bench.args.talk
        await asyncio.sleep(self.rng.uniform(0.5 * talk, 1.5 * talk))
        await self.command("hangup", expected=("no_call",))  # the caller may have hung up

    async def wrap_up(self, call_id: str) -> None:
        await asyncio.sleep(self.bench.args.wrap_up)
        response = await self.request(
            "POST",
            f"/desk/wrap-up/{call_id}/",
            {"disposition": self.bench.setup["disposition"], "note": "压测"},
            kind="wrap-up",
        )
        if response is not None and response.status_code == 200:
            self.bench.results.wrapped += 1
        elif response is not None:
            text = response.text[:200]
            self.bench.results.errors.append(f"wrap-up {call_id}: {response.status_code} {text}")


class Bench:
    def __init__(
        self, args: argparse.Namespace, base: str, setup: dict[str, Any], ws_base: str = ""
    ) -> None:
        self.args = args
        self.base = base
        self.ws_url = (ws_base or base).replace("http://", "ws://") + "/ws/push/"
        self.setup = setup
        self.results = Results()
        self.running = False
        self.stopping = False
        self.http: Any = None
        self.connecting = asyncio.Semaphore(args.connect_concurrency)

    async def lag_monitor(self) -> None:
        """How late this process's own loop runs (a late loop inflates the latencies)."""
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            if self.results.measuring:
                self.results.lags.append(time.perf_counter() - started - 0.05)

    async def run(self, servers: Servers) -> dict[str, Any]:
        import httpx

        args, results = self.args, self.results
        # Idle connections are dropped before uvicorn closes them (5 s): a request on a connection
        # the server is closing fails with ReadError.
        limits = httpx.Limits(max_connections=args.http_connections, keepalive_expiry=2.0)
        self.http = httpx.AsyncClient(
            base_url=self.base, limits=limits, timeout=60, trust_env=False
        )
        clients = [AgentClient(self, agent) for agent in self.setup["agents"]]
        sockets = [asyncio.create_task(c.run()) for c in clients]
        monitor = asyncio.create_task(self.lag_monitor())
        try:
            started = time.perf_counter()
            while sum(c.subscribed.is_set() for c in clients) < len(clients):
                servers.check()
                for task in sockets:
                    if task.done():
                        if task.exception():
                            raise task.exception()  # type: ignore[misc]
                        raise SystemExit(f"a socket closed: {results.errors[:3]}")
                await asyncio.sleep(0.5)
            log(f"{len(clients)} sockets subscribed in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            queue = asyncio.Queue()
            for client in clients:
                queue.put_nowait(client)

            async def log_in() -> None:
                while not queue.empty():
                    client = queue.get_nowait()
                    await client.command("login", expected=("invalid_state",))
                    await client.command("ready", expected=("invalid_state",))

            await asyncio.gather(*(log_in() for _ in range(args.http_connections)))
            ready = time.perf_counter() - started
            log(f"{len(clients)} agents logged in and ready in {ready:.1f} s")
            if results.errors:
                raise SystemExit(f"agents could not get ready: {results.errors[:3]}")
            # The desks stand in for browsers on other machines: this process's own full
            # garbage collections (thousands of sockets) would stall every desk at once and
            # be counted in their pops. Tuned as the servers are (hotline/heap.py).
            from hotline import heap

            heap.settle()
            await asyncio.sleep(1.0)

            self.running = True
            since = time.time()
            await asyncio.to_thread(traffic_switch, True)
            log(f"simulated callers on: {args.calls_per_s}/s for {args.duration} s")
            deadline = time.monotonic() + args.duration + SETTINGS_EVERY + 30
            while not results.first_pop:  # the switchboard reads the setting every 5 s
                servers.check()
                if time.monotonic() > deadline:
                    raise SystemExit("no call was offered: see the server logs")
                await asyncio.sleep(0.1)
            log(f"first pop; {args.warmup} s of warm-up (pops counted, not timed)")
            await asyncio.sleep(args.warmup)
            results.measuring = True
            window_start, window_from = time.monotonic(), time.time()
            while time.monotonic() - window_start < args.duration:
                servers.check()
                await asyncio.sleep(min(5.0, args.duration))
                log(
                    f"pops {len(results.latencies)}, p99 so far "
                    f"{percentile(results.latencies, 0.99)} ms, answered {results.answered}, "
                    f"wrapped up {results.wrapped}, errors {len(results.errors)}"
                )
            window_to = time.time()
            await asyncio.to_thread(traffic_switch, False)
            log("simulated callers off; waiting for the last calls to finish")
            quiet = SETTINGS_EVERY + 12  # the setting's re-read, the IVR's think + key time-out
            drain_deadline = time.monotonic() + 3 * args.talk + 120
            while time.monotonic() < drain_deadline:
                servers.check()
                idle = all(c.state in ("ready", "not_ready") and not c.tasks for c in clients)
                if idle and time.time() - results.last_pop > quiet:
                    break
                await asyncio.sleep(0.5)
            else:
                log("calls still in progress at the drain deadline")
            results.measuring = False
            self.running = False
            counted = await asyncio.to_thread(
                offers_since, since, [c.id for c in clients], (window_from, window_to)
            )
        finally:
            self.stopping = True
            monitor.cancel()
            for task in sockets:
                task.cancel()
            await asyncio.gather(*sockets, monitor, return_exceptions=True)
            await self.http.aclose()
        rings: Counter = counted["rings"]
        popped = sum(min(n, results.pops.get(key, 0)) for key, n in rings.items())
        offered = sum(rings.values())
        missing = [key for key in rings if key not in results.pops]
        span = max(results.last_pop - results.first_pop, 1e-9)
        # Where the time goes: offer -> the ringing step's write begins (the agent's state
        # written, the phone rung), then -> the socket (step written, committed, pushed).
        before_step, after_step = [], []
        for key, (offered_at, received) in results.timed.items():
            step_at = counted["ringing_at"].get(key)
            if step_at is not None:
                before_step.append(step_at - offered_at)
                after_step.append(received - step_at)
        return {
            "offered": offered,
            "popped": popped,
            "p50_ms": percentile(results.latencies, 0.50),
            "p99_ms": percentile(results.latencies, 0.99),
            "max_ms": percentile(results.latencies, 1.0),
            "offer_to_step_p99_ms": percentile(before_step, 0.99),
            "step_to_socket_p99_ms": percentile(after_step, 0.99),
            "calls": counted["calls"],
            "abandoned": counted["abandoned"],
            "still_open": counted["open"],
            "offer_rate_per_s": round(offered / span, 2),
            # In the timed window only (the span above includes the ramp-up and the drain):
            # the callers the traffic placed, and the offers, a second.
            "window_arrivals_per_s": counted["arrivals_per_s"],
            "window_offers_per_s": counted["offers_per_s"],
            "pop_span_s": round(span, 1),
            "answered": results.answered,
            "wrapped_up": results.wrapped,
            "not_answered": results.not_answered,
            "pops_without_offered_at": results.without_time,
            "missing": len(missing),
            "first_missing": "/".join(map(str, missing[0])) if missing else "",
            "errors": len(results.errors),
            "first_error": results.errors[0] if results.errors else "",
            "http_p99_ms": {k: percentile(v, 0.99) for k, v in sorted(results.http.items())},
            "queue_figures_pushes": results.figures,
            "pop_panel_retries": results.pop_retries,
            "client_lag_p99_ms": percentile(results.lags, 0.99),
        }


def wait_ready(base: str, setup: dict[str, Any], servers: Servers, timeout: float = 180) -> None:
    """The web server answers and the switchboard takes commands."""
    import httpx

    agent = setup["agents"][0]
    headers = {"Cookie": f"sessionid={agent['session']}"}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=5, trust_env=False) as client:
        while True:
            servers.check()
            with contextlib.suppress(httpx.HTTPError, ValueError):
                if client.get("/desk/state/", headers=headers).json().get("ok"):
                    return
            if time.monotonic() > deadline:
                raise SystemExit(f"the servers did not start: see {servers.var_dir}")
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--calls-per-s", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of calls")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not timed")
    parser.add_argument("--talk", type=float, default=5.0, help="mean talk time (s)")
    parser.add_argument("--answer-after", type=float, default=1.0, help="ringing (s)")
    parser.add_argument("--wrap-up", type=float, default=1.0, help="after-call work (s)")
    parser.add_argument("--known-share", type=int, default=70, help="%% known callers")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--customers-reset", action="store_true", help="rebuild the demo data")
    parser.add_argument("--database", default="", help="database URL (default: fresh SQLite)")
    parser.add_argument("--redis", default="", help="Redis URL: production topology")
    parser.add_argument("--web-workers", type=int, default=0, help="default 1, 2 with Redis")
    parser.add_argument(
        "--push-workers",
        type=int,
        default=1,
        help="with Redis: `hotline push` processes holding the sockets (0: the web processes)",
    )
    parser.add_argument(
        "--no-fetch-pop", dest="fetch_pop", action="store_false", help="skip the pop panel"
    )
    parser.add_argument(
        "--no-queue-figures",
        dest="queue_figures",
        action="store_false",
        help="do not subscribe to the live queue figures",
    )
    parser.add_argument(
        "--web-threads",
        type=int,
        default=0,
        help="request threads per web process (default: the setting)",
    )
    parser.add_argument("--http-connections", type=int, default=32)
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--client-loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the event loop of this process's desks (uvloop: its own lag, measured as"
        " client_lag_p99_ms, adds less to every pop's time; asyncio: as before 2026-11-24)",
    )
    args = parser.parse_args()
    if args.redis and not args.database:
        parser.error("--redis needs --database (PostgreSQL): the production topology")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.agents + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # inherited by the servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-screenpop-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(
        {
            "HOTLINE_VAR_DIR": str(var_dir),
            "HOTLINE_ENV": "development",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_SWITCHBOARD_TIME_SCALE": "1",
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        env["HOTLINE_DATABASE_URL"] = args.database
        # A site lock of its own: other switchboards on the same PostgreSQL server stay apart.
        env["HOTLINE_SWITCHBOARD_LOCK_KEY"] = str(random.randrange(10**8, 2 * 10**8))
    if args.redis:
        env["HOTLINE_REDIS_URL"] = args.redis
        env["HOTLINE_CHANNEL_PREFIX"] = f"bench-screenpop-{os.getpid()}"
        if os.environ.get("HOTLINE_CHANNEL_LAYER"):
            env["HOTLINE_CHANNEL_LAYER"] = os.environ["HOTLINE_CHANNEL_LAYER"]
        env["HOTLINE_SWITCHBOARD"] = "standalone"
        env["HOTLINE_DEMO_BOSS"] = "0"  # billing is another site's system in production
        env["HOTLINE_BOSS_URL"] = ""
    else:
        env["HOTLINE_SWITCHBOARD"] = "embedded"
        # `hotline run` starts the demo BOSS too, here on a port of its own.
        env["HOTLINE_DEMO_BOSS"] = "1"
        env["HOTLINE_BOSS_URL"] = f"http://127.0.0.1:{free_port()}/demo-boss/api/v1"
    if args.web_threads:
        env["HOTLINE_WEB_THREADS"] = str(args.web_threads)
    # Each server sets its own CPU priority (decision 0025); `off` for a comparison.
    env["HOTLINE_CPU_PRIORITY"] = os.environ.get("HOTLINE_CPU_PRIORITY", "on")
    os.environ.update(env)
    for key in ("HOTLINE_DATABASE_URL", "HOTLINE_REDIS_URL"):
        if key not in env:
            os.environ.pop(key, None)

    def _terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    servers = Servers(env, var_dir)
    try:
        setup = prepare(args)
        log(f"scratch database ready in {setup['setup_s']} s ({setup['db']}, {var_dir})")
        port = free_port()
        base = ws_base = f"http://127.0.0.1:{port}"
        if args.redis:
            workers = args.web_workers or 2
            topology = f"web x{workers} + switchboard + worker, Redis"
            servers.start("web", "web", "--port", str(port), "--workers", str(workers))
            if args.push_workers:
                push_port = free_port()
                ws_base = f"http://127.0.0.1:{push_port}"
                topology = topology.replace(
                    " + switchboard", f" + push x{args.push_workers} + switchboard"
                )
                servers.start(
                    "push", "push", "--port", str(push_port), "--workers", str(args.push_workers)
                )
            servers.start("switchboard", "switchboard")
            servers.start("worker", "worker")
        else:
            if args.web_workers > 1:
                parser.error("the embedded switchboard runs in one web process")
            topology = "hotline run (web + embedded switchboard + worker + demo BOSS)"
            servers.start("run", "run", "--port", str(port))
        wait_ready(base, setup, servers)
        log(f"servers up: {topology}")
        bench = Bench(args, base, setup, ws_base).run(servers)
        if args.client_loop == "uvloop":
            import uvloop

            result = uvloop.run(bench)
        else:
            result = asyncio.run(bench)
    finally:
        servers.stop()
        with contextlib.suppress(Exception):
            traffic_switch(False)
    log(f"server logs: {var_dir}")
    print(
        json.dumps(
            {
                "db": setup["db"],
                "agents": args.agents,
                "calls_per_s": args.calls_per_s,
                "offered": result.pop("offered"),
                "popped": result.pop("popped"),
                "p50_ms": result.pop("p50_ms"),
                "p99_ms": result.pop("p99_ms"),
                "topology": topology,
                "client_loop": args.client_loop,
                "cpu_priority": env["HOTLINE_CPU_PRIORITY"],
                "duration_s": args.duration,
                "talk_s": args.talk,
                "setup_s": setup["setup_s"],
                **result,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
