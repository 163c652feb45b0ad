"""The switchboard as a real process: `kill -9` mid-call and the standby taking over."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.live import free_port, http_ready, live_database, make_live_env, wait_for

pytestmark = pytest.mark.live

_SETUP = """
from hotline.accounts.models import Role, User
from hotline.routing.models import AgentSkill, AgentStatus, Queue, Skill, TrafficSetting
from django.utils import timezone
skill = Skill.objects.create(code="tv", label_zh="电视", label_en="TV")
Queue.objects.create(code="tv", label_zh="电视", label_en="TV", skill=skill, ring_timeout=600)
for i in range(3):
    agent = User.objects.create(username=f"sb_agent{i}", role=Role.objects.get(code="agent"))
    AgentSkill.objects.create(agent=agent, skill=skill)
    AgentStatus.objects.create(agent=agent, state="ready", since=timezone.now())
TrafficSetting.objects.create(enabled=True, calls_per_hour=7200, known_share=0, ivr_mix="1:1")
"""

_STATE = """
from hotline.routing.models import AgentStatus
from hotline.telephony.models import CallRecord
busy = AgentStatus.objects.exclude(state__in=["ready", "not_ready", "logged_out"]).count()
open_calls = CallRecord.objects.filter(ended_at__isnull=True).count()
cut = CallRecord.objects.filter(end_reason="switchboard_restart").count()
ringing = CallRecord.objects.filter(state="ringing", ended_at__isnull=True).count()
print(busy, open_calls, cut, ringing)
"""


@pytest.fixture
def live(tmp_path):
    for database in live_database(tmp_path):
        env = make_live_env(
            tmp_path,
            database.url,
            HOTLINE_SWITCHBOARD="standalone",
            HOTLINE_SWITCHBOARD_WATCHDOG_S="60",
        )
        env.python(_SETUP)
        yield env
        env.stop_all()


def _state(live) -> tuple[int, int, int, int]:
    return tuple(int(x) for x in live.python(_STATE).split())  # type: ignore[return-value]


def _stop_traffic(live) -> None:
    live.python(
        "from hotline.routing.models import TrafficSetting\n"
        "TrafficSetting.objects.update(enabled=False)"
    )


def test_kill_9_mid_call_then_restart_closes_cut_calls_and_frees_every_agent(live):
    first = live.start("switchboard")
    wait_for(lambda: _state(live)[3] > 0, timeout=60, what="a call ringing an agent")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    _stop_traffic(live)
    busy, open_calls, _cut, _ringing = _state(live)
    assert busy > 0 and open_calls > 0  # the crash left work behind
    live.start("switchboard")
    wait_for(lambda: _state(live)[:2] == (0, 0), timeout=60, what="state rebuilt")
    assert _state(live)[2] >= 1


def test_a_standby_takes_over_when_the_active_switchboard_dies(live):
    first = live.start("switchboard")
    wait_for(lambda: "switchboard: active" in live.log(first), what="the first active")
    second = live.start("switchboard", "--poll", "0.2")
    wait_for(lambda: "switchboard: standby" in live.log(second), what="the second standby")
    wait_for(lambda: _state(live)[3] > 0, timeout=60, what="a call ringing an agent")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    wait_for(lambda: "switchboard: active" in live.log(second), what="the standby taking over")
    assert time.monotonic() - killed_at < 10
    _stop_traffic(live)
    wait_for(lambda: _state(live)[2] >= 1, timeout=30, what="cut calls closed")


def test_a_second_web_process_on_the_site_does_not_start_a_second_switchboard(live):
    """Two switchboards on one database would each run their own callers and agents: the
    demo BOSS process (which serves the same ASGI app) and a second web process stay out."""
    from hotline.routing.leadership import FileLock

    ports = free_port(), free_port()
    web = live.start("web", "--port", str(ports[0]), HOTLINE_SWITCHBOARD="embedded")
    boss = live.start(
        "boss-demo", "--port", str(ports[1]), HOTLINE_SWITCHBOARD="embedded", HOTLINE_DEMO_BOSS="1"
    )
    for port in ports:
        url = f"http://127.0.0.1:{port}/login/"
        wait_for(lambda url=url: http_ready(url), timeout=60, what=f"a server on {port}")
    second = live.start("web", "--port", str(free_port()), HOTLINE_SWITCHBOARD="embedded")
    wait_for(
        lambda: "another switchboard is active" in live.log(second),
        timeout=60,
        what="the second web process standing aside",
    )
    assert "another switchboard" not in live.log(web)
    assert "another switchboard" not in live.log(boss)  # it never tried
    if not live.database_url.startswith("postgres"):
        assert not FileLock(live.var_dir / "switchboard.lock").try_acquire()  # web holds it


def test_the_site_file_lock_admits_one_holder_until_released(tmp_path):
    from hotline.routing.leadership import FileLock

    first, second = FileLock(tmp_path / "sb.lock"), FileLock(tmp_path / "sb.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
