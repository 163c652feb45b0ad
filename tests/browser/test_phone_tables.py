"""Lists and order pages on a 390 px phone: a table's rows stack into lines that keep their
column names, and nothing is wider than the screen."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from hotline.accounts.models import Role, Team
from hotline.routing.models import AgentSkill, Skill
from hotline.telephony.models import CallRecord
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.opening import ticket_open
from hotline.tickets.services.transitions import ticket_accept
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import log_in
from tests.tickets.conftest import make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
LABEL = "(el) => getComputedStyle(el, '::before').content"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": 844},
        is_mobile=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    yield page
    context.close()


def test_call_log_rows_keep_their_column_names_on_a_phone(world, phone):
    inspector = factories.user(Role.QA_INSPECTOR, regions=[world.city], username="qa_city")
    offered = timezone.now() - datetime.timedelta(hours=1)
    CallRecord.objects.create(
        call_id="p1",
        caller="13912340000",
        customer=world.c1a,
        agent=factories.user(Role.AGENT, regions=[world.d1], username="agent_p1"),
        state=CallRecord.State.ENDED,
        queue="tv",
        offered_at=offered,
        answered_at=offered + datetime.timedelta(seconds=20),
        ended_at=offered + datetime.timedelta(seconds=95),
    )
    log_in(phone, inspector.username)
    phone.wait_for_selector("[data-tile]")
    phone.goto("/desk/calls/")
    row = phone.locator("tr[data-call=p1]")
    row.wait_for()
    # 等待 0:20 and 通话时长 1:15 are told apart by their names, not by their place.
    assert row.locator("td").nth(6).evaluate(LABEL) == '"等待"'
    assert row.locator("td").nth(7).evaluate(LABEL) == '"通话时长"'
    # A column with nothing in it for this call (no recording) is left out, not a bare name.
    assert not row.locator("td").nth(9).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    phone.screenshot(path=str(ARTIFACTS / "call-log-390.png"), full_page=True)


def test_team_leads_agents_fit_a_phone(world, phone):
    lead = factories.user(Role.TEAM_LEAD, regions=[world.city], username="lead_phone")
    team = Team.objects.create(name="一组", lead=lead)
    agent = factories.user(Role.AGENT, regions=[world.d1], username="agent_phone")
    agent.team = team
    agent.save(update_fields=["team"])
    skill = Skill.objects.create(code="tv", label_zh="电视", label_en="TV")
    AgentSkill.objects.create(agent=agent, skill=skill)
    log_in(phone, lead.username)
    phone.wait_for_selector("[data-tile]")
    phone.goto("/desk/team/")
    row = phone.locator(f"#team tr[data-agent='{agent.pk}']")
    row.wait_for()
    assert row.locator("td").nth(1).evaluate(LABEL) == '"状态"'
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    phone.screenshot(path=str(ARTIFACTS / "team-390.png"), full_page=True)


def test_a_technicians_full_order_page_fits_a_phone(world, phone):
    desk = make_desk(world)
    ticket = ticket_open(
        by=desk.agent,
        order_type=desk.fault,
        customer=world.c1a,
        form={"symptom": "无信号", "device": str(desk.box.pk)},
        description="客厅电视无信号，机顶盒指示灯红色。",
    )
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    ticket_accept(ticket=ticket, by=desk.tech_a.user)
    log_in(phone, desk.tech_a.user.username)
    phone.wait_for_selector("[data-role=technician]")
    # The office page of the order (from the menu's work orders), not the field page.
    phone.goto(f"/orders/{ticket.pk}/")
    phone.wait_for_selector("form[data-form=resolve]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    phone.screenshot(path=str(ARTIFACTS / "order-detail-technician-390.png"), full_page=True)
