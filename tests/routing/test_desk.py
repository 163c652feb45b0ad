"""The desktop and the team view over HTTP, with a switchboard running in a thread."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import OperationalError

from hotline.accounts.models import AuditEntry, Role, Team
from hotline.catalog.models import StatisticItem
from hotline.customers.models import TimelineEntry
from hotline.routing import runtime
from hotline.routing.bootstrap import SwitchboardService
from hotline.routing.commands import switchboard_command
from hotline.routing.models import AgentStateLog, AgentStatus
from hotline.telephony.clock import ScaledClock
from hotline.telephony.models import CallRecord
from tests import factories
from tests.live import wait_for
from tests.routing.harness import Harness, configure, known_caller

pytestmark = pytest.mark.django_db(transaction=True)


def settled(condition):
    """A condition read while the switchboard may be writing: the test database is SQLite's
    shared-cache in-memory one, whose table locks do not wait; "locked" means "not yet"."""

    def check():
        try:
            return condition()
        except OperationalError:
            return False

    return check


def agent_in_db(agent, state):
    return settled(lambda: AgentStatus.objects.filter(agent=agent, state=state).exists())


@pytest.fixture
def running():
    """A switchboard on its own loop in a thread, as under the web process's lifespan."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    harness = Harness(ScaledClock(1.0))
    service = SwitchboardService(harness.sb, tick=0.05, watchdog=3600)
    asyncio.run_coroutine_threadsafe(service.start(), loop).result(20)
    runtime.set_current(service)
    yield harness
    runtime.set_current(None)
    asyncio.run_coroutine_threadsafe(service.stop(), loop).result(20)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_an_agent_logs_in_and_goes_ready_from_the_desktop(client, running):
    (agent,) = configure(agents=1, flow=None)
    client.force_login(agent)
    page = client.get("/desk/")
    assert page.status_code == 200 and f'"agent.{agent.pk}"'.encode() in page.content
    assert client.post("/desk/command/", {"op": "login"}).json()["ok"]
    result = client.post("/desk/command/", {"op": "ready"}).json()
    assert result["state"] == "ready"
    refused = client.post("/desk/command/", {"op": "not_ready"})
    assert refused.status_code == 409 and refused.json()["error"] == "reason_required"


def test_a_team_lead_changes_an_agents_state_with_a_reason_and_it_is_audited(client, running):
    lead = factories.user(Role.TEAM_LEAD)
    team = Team.objects.create(name="A", lead=lead)
    agent, stranger = configure(agents=2, flow=None)
    agent.team = team
    agent.save(update_fields=["team"])
    assert switchboard_command({"op": "login", "agent": agent.pk})["ok"]
    client.force_login(lead)
    assert client.get("/desk/team/").status_code == 200
    client.post(f"/desk/team/{agent.pk}/state/", {"op": "ready"})
    client.post(f"/desk/team/{agent.pk}/state/", {"op": "not_ready", "reason": "meeting"})
    log = AgentStateLog.objects.filter(agent=agent).order_by("-at", "-id").first()
    assert (log.to_state, log.reason, log.by_id) == ("not_ready", "meeting", lead.pk)
    assert AuditEntry.objects.filter(object_id=str(agent.pk), actor=lead).exists()
    # An agent of another team is outside the lead's scope: 404, nothing changes.
    assert client.post(f"/desk/team/{stranger.pk}/state/", {"op": "ready"}).status_code == 404


def test_agents_may_not_supervise(client, running):
    agent, other = configure(agents=2, flow=None)
    client.force_login(agent)
    assert client.get("/desk/team/").status_code == 403
    assert client.post(f"/desk/team/{other.pk}/state/", {"op": "ready"}).status_code == 403


def test_wrap_up_records_the_disposition_and_puts_the_call_on_the_customers_timeline(
    client, running
):
    city = factories.region("city")
    (agent,) = configure(agents=1)
    customer = known_caller(city)
    item = StatisticItem.objects.create(code="tv-fault", label_zh="电视故障", label_en="TV fault")
    agent.regions.set([city])
    client.force_login(agent)
    client.post("/desk/command/", {"op": "login"})
    client.post("/desk/command/", {"op": "ready"})
    place = {"op": "place_call", "caller": "13912345678", "script": {"keys": "1", "think": 0.05}}
    assert switchboard_command(place)["ok"]
    wait_for(agent_in_db(agent, "reserved"), what="ringing")
    wait_for(settled(lambda: CallRecord.objects.filter(state="ringing").exists()), what="pop")
    call = CallRecord.objects.get()
    pop = client.get(f"/desk/pop/{call.call_id}/")
    assert customer.name in pop.content.decode()
    assert client.post("/desk/command/", {"op": "answer"}).json()["ok"]
    wait_for(agent_in_db(agent, "talking"), what="talking")
    wait_for(settled(lambda: CallRecord.objects.filter(state="talking").exists()), what="bridged")
    assert client.post("/desk/command/", {"op": "hangup"}).json()["ok"]
    wait_for(agent_in_db(agent, "wrap_up"), what="wrap-up")
    wait_for(settled(lambda: CallRecord.objects.filter(state="ended").exists()), what="ended")
    response = client.post(
        f"/desk/wrap-up/{call.call_id}/", {"disposition": item.pk, "note": "box rebooted"}
    )
    assert response.json()["ok"]
    call.refresh_from_db()
    assert (call.disposition_id, call.note) == (item.pk, "box rebooted")
    entry = TimelineEntry.objects.get(customer=customer)
    assert entry.kind == TimelineEntry.Kind.CALL and entry.ref_id == str(call.pk)
    wait_for(agent_in_db(agent, "ready"), what="ready again")
    assert client.get(f"/desk/calls/{call.pk}/").status_code == 200


def test_unknown_callers_pop_a_link_to_create_the_customer(client, running):
    (agent,) = configure(agents=1)
    client.force_login(agent)
    client.post("/desk/command/", {"op": "login"})
    client.post("/desk/command/", {"op": "ready"})
    place = {"op": "place_call", "caller": "13700001111", "script": {"keys": "1", "think": 0.05}}
    assert switchboard_command(place)["ok"]
    wait_for(agent_in_db(agent, "reserved"), what="ringing")
    wait_for(settled(lambda: CallRecord.objects.filter(state="ringing").exists()), what="pop")
    call_id = CallRecord.objects.get().call_id
    pop = client.get(f"/desk/pop/{call_id}/").content.decode()
    assert "13700001111" not in pop  # masked: the number itself stays out of the page
    link = f"/desk/pop/{call_id}/new-customer/"
    assert link in pop
    to_form = client.get(link)["Location"]
    assert "13700001111" not in to_form  # not in the address (history, access log)
    form = client.get(to_form).content.decode()
    assert 'value="13700001111"' in form  # but filled in, from the session, once
    assert 'value="13700001111"' not in client.get(to_form).content.decode()
    # Another agent cannot open this call's pop, nor its link.
    client.force_login(factories.user(Role.AGENT))
    assert client.get(f"/desk/pop/{call_id}/").status_code == 404
    assert client.get(link).status_code == 404


def test_the_demo_configuration_validates_and_gives_agents_skills(db):
    from hotline.routing.demo import DEMO_FLOW, switchboard_demo_setup
    from hotline.routing.domain.ivr import validate
    from hotline.routing.models import AgentSkill, Queue

    agent = factories.user(Role.AGENT)
    assert switchboard_demo_setup() and not switchboard_demo_setup()
    assert validate(DEMO_FLOW, queues=set(Queue.objects.values_list("code", flat=True))) == []
    assert AgentSkill.objects.filter(agent=agent).count() == 3


def _talking(client, agent, number="13700001111"):
    client.force_login(agent)
    client.post("/desk/command/", {"op": "login"})
    client.post("/desk/command/", {"op": "ready"})
    place = {"op": "place_call", "caller": number, "script": {"keys": "1", "think": 0.05}}
    assert switchboard_command(place)["ok"]
    wait_for(agent_in_db(agent, "reserved"), what="ringing")
    assert client.post("/desk/command/", {"op": "answer"}).json()["ok"]
    wait_for(agent_in_db(agent, "talking"), what="talking")
    wait_for(settled(lambda: CallRecord.objects.filter(state="talking").exists()), what="bridged")
    return CallRecord.objects.get(state="talking")


def test_a_team_lead_listens_to_an_agents_call_audited_and_others_may_not(client, running):
    lead, other_lead = factories.user(Role.TEAM_LEAD), factories.user(Role.TEAM_LEAD)
    team = Team.objects.create(name="A", lead=lead)
    agent, colleague = configure(agents=2)
    for person in (agent, colleague):  # the colleague never logged in: no state yet
        person.team = team
        person.save(update_fields=["team"])
    call = _talking(client, agent)
    url = f"/desk/team/{agent.pk}/supervise/"
    client.force_login(colleague)  # an agent: no supervision
    assert client.post(url, {"op": "listen"}).status_code == 403
    client.force_login(other_lead)  # a lead of another team: the agent is out of scope
    assert client.post(url, {"op": "listen"}).status_code == 404
    client.force_login(lead)
    page = client.get("/desk/team/").content.decode()
    assert 'data-spy="listen"' in page and "通话中" in page  # the state in the reader's language
    assert client.post(url, {"op": "listen"}).json()["ok"]
    steps = lambda: call.steps.filter(kind="supervisor_listen", agent=lead).exists()  # noqa: E731
    wait_for(settled(steps), what="the listen step")
    assert AuditEntry.objects.filter(object_id=str(agent.pk), actor=lead).exists()
    assert client.post(url, {"op": "supervise_end"}).json()["ok"]
    assert client.post(url, {"op": "steal"}).status_code == 400


def test_the_desk_state_gives_the_agent_their_own_state_and_queues_only(client, running):
    (agent,) = configure(agents=1)
    client.force_login(agent)
    client.post("/desk/command/", {"op": "login"})
    state = client.get("/desk/state/").json()
    assert state["ok"] and state["agent"]["state"] == "not_ready"
    assert set(state["queues"]) == {"tv"}  # not "net", where the agent has no skill


def test_an_agent_who_transferred_a_call_wraps_up_their_part_once(client, running):
    (agent,) = configure(agents=1)
    call = _talking(client, agent)
    assert client.post("/desk/command/", {"op": "transfer", "queue": "net"}).json()["ok"]
    wait_for(agent_in_db(agent, "wrap_up"), what="wrap-up after the transfer")
    first = client.post(f"/desk/wrap-up/{call.call_id}/", {"note": "to internet"})
    assert first.json()["ok"]
    again = client.post(f"/desk/wrap-up/{call.call_id}/", {"note": "twice"})
    assert again.status_code == 400
    call.refresh_from_db()
    assert call.note == "to internet"
    assert call.steps.filter(kind="wrapped_up", agent=agent).count() == 1


def test_a_team_lead_places_one_simulated_call_and_bad_input_names_the_field(client, running):
    configure(agents=1)
    client.force_login(factories.user(Role.AGENT))
    assert client.post("/desk/traffic/call/", {"number": "13700001111"}).status_code == 403
    client.force_login(factories.user(Role.TEAM_LEAD))
    bad = client.post("/desk/traffic/call/", {"number": "12", "keys": "1"})
    assert bad.status_code == 400 and "5 到 20 位" in bad.content.decode()
    bad = client.post("/desk/traffic/call/", {"number": "13700001111", "keys": "1x"})
    assert bad.status_code == 400 and "按键只能是" in bad.content.decode()
    assert not CallRecord.objects.exists()
    ok = client.post("/desk/traffic/call/", {"number": "13700001111", "keys": "1"})
    assert ok.status_code == 302
    wait_for(settled(lambda: CallRecord.objects.filter(caller="13700001111").exists()), what="call")


def test_an_agent_consults_a_colleague_from_the_desktop_and_comes_back(client, running):
    agent, colleague = configure(agents=2)
    _talking(client, agent)
    page = client.get("/desk/").content.decode()
    assert 'data-op="conference_add"' in page and 'data-op="conference_drop"' in page
    refused = client.post("/desk/command/", {"op": "consult"})
    assert refused.status_code == 409 and refused.json()["error"] == "target_required"
    assert refused.json()["message"]
    nobody = client.post("/desk/command/", {"op": "conference_drop"})
    assert nobody.status_code == 409 and nobody.json()["error"] == "no_party"
    for op in ("login", "ready"):
        assert switchboard_command({"op": op, "agent": colleague.pk})["ok"]
    wait_for(agent_in_db(colleague, "ready"), what="the colleague ready")
    consult = client.post("/desk/command/", {"op": "consult", "to_agent": colleague.pk})
    assert consult.json()["ok"]
    wait_for(agent_in_db(agent, "holding"), what="the caller on hold")
    wait_for(agent_in_db(colleague, "reserved"), what="the colleague's phone ringing")
    assert switchboard_command({"op": "snapshot", "agent_view": agent.pk})["agents"][str(agent.pk)][
        "consulting"
    ]
    assert client.post("/desk/command/", {"op": "consult_cancel"}).json()["ok"]
    wait_for(agent_in_db(agent, "talking"), what="back with the caller")
    wait_for(agent_in_db(colleague, "ready"), what="the colleague ready again")
    call = CallRecord.objects.get()
    wait_for(settled(lambda: call.steps.filter(kind="consult_cancelled").exists()), what="step")


def test_wrap_up_without_a_disposition_is_refused_naming_the_field_and_cannot_be_skipped(
    client, running
):
    item = StatisticItem.objects.create(code="tv-fault", label_zh="电视故障", label_en="TV fault")
    (agent,) = configure(agents=1)
    call = _talking(client, agent)
    assert client.post("/desk/command/", {"op": "hangup"}).json()["ok"]
    wait_for(agent_in_db(agent, "wrap_up"), what="wrap-up")
    client.cookies["django_language"] = "en"
    refused = client.post(f"/desk/wrap-up/{call.call_id}/", {"disposition": "", "note": "typed"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["disposition"][0].startswith("Disposition:")
    # Ready, not ready (Alt+N), log out or "done" from the desk do not skip it either.
    for op, extra in [("wrap_up_done", {}), ("not_ready", {"reason": "break"}), ("logout", {})]:
        left = client.post("/desk/command/", {"op": op, **extra})
        assert left.status_code == 409, op
        assert left.json()["error"] == "disposition_required"
        assert left.json()["call_id"] == call.call_id and "Disposition" in left.json()["message"]
    assert (
        switchboard_command({"op": "snapshot", "agent_view": agent.pk})["agents"][str(agent.pk)][
            "state"
        ]
        == "wrap_up"
    )
    call.refresh_from_db()
    assert call.wrapped_up_at is None and call.note == ""
    saved = client.post(f"/desk/wrap-up/{call.call_id}/", {"disposition": item.pk, "note": "typed"})
    assert saved.json()["ok"]
    wait_for(agent_in_db(agent, "ready"), what="ready again")
    call.refresh_from_db()
    assert (call.disposition_id, call.note) == (item.pk, "typed")
