"""The call log and a call's page: who sees which calls, filters, paging, masked numbers
and the audited reveal."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.accounts.models import AuditEntry, Role, Team
from hotline.routing.models import AgentSkill, Skill
from hotline.telephony.models import CallRecord
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 0))


def _agent(username: str, team: Team | None = None, world=None):
    agent = factories.user(Role.AGENT, regions=[world.d1], username=username)
    skill, _ = Skill.objects.get_or_create(
        code="tv", defaults={"label_zh": "电视", "label_en": "TV"}
    )
    AgentSkill.objects.create(agent=agent, skill=skill)
    if team is not None:
        agent.team = team
        agent.save(update_fields=["team"])
    return agent


def _call(n: int, *, agent=None, customer=None, caller="13912340000", **fields) -> CallRecord:
    offered = fields.pop("offered_at", NOW - datetime.timedelta(minutes=n))
    return CallRecord.objects.create(
        call_id=f"c{n}",
        caller=caller,
        customer=customer,
        agent=agent,
        state=fields.pop("state", CallRecord.State.ENDED),
        queue="tv",
        offered_at=offered,
        answered_at=offered + datetime.timedelta(seconds=20) if agent else None,
        ended_at=offered + datetime.timedelta(seconds=95),
        **fields,
    )


@pytest.fixture
def calls(world, team_lead):
    team = Team.objects.create(name="一组", lead=team_lead)
    mine = _agent("a_mine", team, world)
    other = _agent("a_other", None, world)
    near = factories.customer(world.s1a)
    far = factories.customer(world.s2a)
    return {
        "mine": mine,
        "other": other,
        "by_mine": _call(1, agent=mine, customer=near, recording="c1.wav", recording_seconds=75),
        "by_other": _call(2, agent=other, customer=far),
        "abandoned": _call(3, state=CallRecord.State.ABANDONED, caller="13700005678"),
    }


def _ids(response) -> set[str]:
    html = response.content.decode()
    return {call_id for call_id in ("c1", "c2", "c3") if f'data-call="{call_id}"' in html}


def test_an_agent_sees_only_their_own_calls(client, calls):
    client.force_login(calls["mine"])
    response = client.get("/desk/calls/")
    assert response.status_code == 200
    assert _ids(response) == {"c1"}
    assert client.get(f"/desk/calls/{calls['by_other'].pk}/").status_code == 404
    assert client.get(f"/desk/calls/{calls['by_mine'].pk}/").status_code == 200


def test_a_team_lead_sees_the_teams_calls_and_those_nobody_took(client, calls, team_lead):
    client.force_login(team_lead)
    assert _ids(client.get("/desk/calls/")) == {"c1", "c3"}
    assert client.get(f"/desk/calls/{calls['by_other'].pk}/").status_code == 404
    recording = client.get(f"/desk/calls/{calls['by_other'].pk}/recording.wav")
    assert recording.status_code == 404


def test_a_qa_inspector_lands_on_the_log_and_sees_every_call(client, calls):
    inspector = factories.user(Role.QA_INSPECTOR, username="qa")
    client.force_login(inspector)
    assert _ids(client.get("/desk/calls/")) == {"c1", "c2", "c3"}
    page = client.get(f"/desk/calls/{calls['by_other'].pk}/")
    assert page.status_code == 200
    landing = client.get("/")
    assert landing.status_code in (200, 302)
    from hotline.accounts.menu import landing_url

    assert landing_url(inspector) == "/desk/calls/"


def test_roles_without_calls_get_no_log(client, calls, world):
    technician = factories.technician(world.s1a).user
    client.force_login(technician)
    assert client.get("/desk/calls/").status_code == 403
    assert "/desk/calls/" not in client.get("/").content.decode()


def test_filters_narrow_the_log_and_bad_ones_are_named(client, calls, manager):
    client.force_login(manager)
    assert _ids(client.get("/desk/calls/", {"state": "abandoned"})) == {"c3"}
    assert _ids(client.get("/desk/calls/", {"number": "5678"})) == {"c3"}
    assert _ids(client.get("/desk/calls/", {"agent": "mine"})) == {"c1"}
    assert _ids(client.get("/desk/calls/", {"recorded": "on"})) == {"c1"}
    assert _ids(client.get("/desk/calls/", {"date_from": "2026-11-25"})) == set()
    bad = client.get("/desk/calls/", {"number": "13x", "date_from": "2026-11-25", "date_to": "1"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Digits only" in html or "只填数字" in html
    assert _ids(bad) == {"c1", "c2", "c3"}  # an invalid filter filters nothing
    assert client.get("/desk/calls/", {"page": "abc"}).status_code == 200
    assert client.get("/desk/calls/", {"page": "-3"}).status_code == 200


def test_the_log_pages_with_a_fixed_number_of_queries(client, world, manager, settings):
    settings.HOTLINE_PAGE_SIZE = 5
    agent = _agent("a_many", None, world)
    customer = factories.customer(world.s1a)
    for n in range(12):
        _call(100 + n, agent=agent, customer=customer, caller=f"1391234{n:04d}")
    client.force_login(manager)
    client.get("/desk/calls/")
    with CaptureQueriesContext(connection) as first:
        page1 = client.get("/desk/calls/")
    with CaptureQueriesContext(connection) as third:
        page3 = client.get("/desk/calls/", {"page": 3})
    assert page1.content.decode().count("data-call=") == 5
    assert page3.content.decode().count("data-call=") == 2
    assert 'rel="next"' in page1.content.decode()
    assert len(third.captured_queries) == len(first.captured_queries)


def test_numbers_are_masked_and_the_reveal_is_audited(client, calls, manager, admin_user):
    client.force_login(manager)
    log = client.get("/desk/calls/").content.decode()
    assert "13912340000" not in log and "139****0000" in log
    page = client.get(f"/desk/calls/{calls['by_mine'].pk}/").content.decode()
    assert "13912340000" not in page
    assert client.post(f"/desk/calls/{calls['by_mine'].pk}/reveal/").status_code == 403
    client.force_login(admin_user)
    revealed = client.post(f"/desk/calls/{calls['by_mine'].pk}/reveal/")
    assert revealed.status_code == 200 and "13912340000" in revealed.content.decode()
    entry = AuditEntry.objects.filter(action="reveal", model="telephony.callrecord").get()
    assert entry.object_id == str(calls["by_mine"].pk) and entry.changes == {"field": "caller"}


def test_a_calls_page_shows_its_facts_and_steps(client, calls, manager):
    client.force_login(manager)
    html = client.get(f"/desk/calls/{calls['by_mine'].pk}/").content.decode()
    assert "<title>" in html and "<section" not in html.split("</title>")[0]
    assert "0:20" in html  # waited 20 s
    assert "1:15" in html  # talked 75 s
    assert 'id="recording"' in html


def test_step_details_read_as_labels_not_keys():
    from django.utils import translation

    from hotline.routing.labels import step_detail

    detail = {"queue": "tv", "hung_up_by": "caller", "channel": "sim/1"}
    with translation.override("en"):
        assert step_detail(detail, {"tv": "电视"}) == "queue: 电视 · hung up by: Caller"
    with translation.override("zh-hans"):
        assert step_detail(detail, {"tv": "电视"}) == "队列: 电视 · 挂断方: 主叫"


def test_the_wrap_up_step_names_the_statistic_item_not_its_code(client, calls, manager):
    from hotline.catalog.models import StatisticItem
    from hotline.telephony.models import CallStep

    StatisticItem.objects.create(code="fault-no-signal", label_zh="无信号", label_en="No signal")
    call = calls["by_mine"]
    CallStep.objects.create(
        call=call, kind="wrapped_up", at=call.ended_at, detail={"disposition": "fault-no-signal"}
    )
    client.force_login(manager)
    html = client.get(f"/desk/calls/{call.pk}/").content.decode()
    assert "统计项目: 无信号" in html and "fault-no-signal" not in html


def test_the_desks_last_calls_give_the_day_of_calls_before_today(client, world):
    agent = _agent("a_recent", None, world)
    now = timezone.localtime()
    today = _call(1, agent=agent, offered_at=now.replace(hour=0, minute=5, second=0))
    earlier = _call(2, agent=agent, offered_at=now - datetime.timedelta(days=3))
    client.force_login(agent)
    html = client.get("/desk/recent/").content.decode()
    # A call three days ago does not read as a time of today.
    assert f">{timezone.localtime(earlier.offered_at):%m-%d %H:%M}<" in html
    assert f">{timezone.localtime(today.offered_at):%H:%M}<" in html


def test_why_a_call_ended_reads_in_the_users_language_not_as_a_code(client, calls, manager):
    call = calls["abandoned"]
    call.end_reason = "abandoned"
    call.save(update_fields=["end_reason"])
    client.force_login(manager)
    html = client.get(f"/desk/calls/{call.pk}/").content.decode()
    assert "(abandoned)" not in html and "(主叫在座席接听前挂机)" in html
    call.end_reason = "SIP 486 Busy Here"  # a PBX's own cause is shown as it came
    call.save(update_fields=["end_reason"])
    assert "(SIP 486 Busy Here)" in client.get(f"/desk/calls/{call.pk}/").content.decode()
