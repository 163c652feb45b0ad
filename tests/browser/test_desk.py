"""The agent desktop in a browser against a real web process with its embedded switchboard
(the `make run` topology): a simulated caller goes through the IVR, the screen pop shows the
customer before the agent answers, the agent takes the call, wraps it up and is ready again.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.live import free_port, http_ready, live_database, make_live_env, wait_for

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
SETUP = """
from hotline.accounts.models import Role, Team
from hotline.catalog.models import StatisticItem
from hotline.customers.models import CustomerPhone, ServiceAccount
from hotline.routing.models import AgentSkill, IvrFlow, IvrFlowVersion, NotReadyReason, Queue, Skill
from tests import factories
city = factories.region("cz", "常州市")
customer = factories.customer(city, name="周晓梅", phone="13905190001", vip_level=1)
CustomerPhone.objects.create(customer=customer, number="13905190001", is_primary=True)
ServiceAccount.objects.create(customer=customer, number="5190009999", balance="-12.50")
tv = Skill.objects.create(code="tv", label_zh="电视", label_en="TV")
tv_queue = Queue.objects.create(code="tv", label_zh="电视故障", label_en="TV faults", skill=tv,
                                ring_timeout=120, wrap_up_limit=300)
NotReadyReason.objects.create(code="break", label_zh="休息", label_en="Break")
flow = IvrFlow.objects.create(code="main", name="96655")
IvrFlowVersion.objects.create(flow=flow, version=1, published_at="2026-01-01T00:00:00Z", tree={
    "id": "main", "type": "menu", "label": "主菜单", "prompt": "电视故障请按1",
    "options": {"1": {"id": "tv", "type": "queue", "queue": "tv", "label": "电视故障"}},
})
StatisticItem.objects.create(code="tv-signal", label_zh="电视无信号", label_en="No TV signal")
lead = factories.user(Role.TEAM_LEAD, username="lead", regions=[city])
agent = factories.user(Role.AGENT, username="agent", regions=[city],
                       team=Team.objects.create(name="一组", lead=lead))
AgentSkill.objects.create(agent=agent, skill=tv, proficiency=4)
from hotline.knowledge.services.scripts import ScriptSettings, script_create, script_save
editor = factories.user(Role.KNOWLEDGE_EDITOR, username="editor", regions=[city])
script = script_create(data=ScriptSettings(name="无信号", queues=[tv_queue]), by=editor, tree={
    "next_id": 9, "steps": [
        {"id": "s1", "type": "ask", "text": "机顶盒指示灯是什么颜色？", "answers": [
            {"id": "a1", "label": "红灯", "steps": [
                {"id": "s2", "type": "say", "text": "请重新插拔信号线。"}]},
            {"id": "a2", "label": "绿灯", "steps": []}]}]})
script_save(script=script, by=editor, publish_it=True)
from hotline.tickets.models import OrderType, SlaPolicy
policy = SlaPolicy.objects.create(code="p48", label_zh="48小时", label_en="48 h",
                                  resolution_amount=48)
OrderType.objects.create(code="repair", label_zh="故障维修", label_en="Repair", sla_policy=policy)
"""
CALL = """
import json
from hotline.customers.models import TimelineEntry
from hotline.telephony.models import CallRecord
from hotline.tickets.models import Ticket
call = CallRecord.objects.select_related("disposition").get()
print(json.dumps({
    "state": call.state, "ivr": [s.get("label") or s.get("key") for s in call.ivr_path],
    "agent": call.agent.username if call.agent else None,
    "disposition": call.disposition.code if call.disposition else None, "note": call.note,
    "timeline": TimelineEntry.objects.filter(customer=call.customer, kind="call").count(),
    "script_path": [e["answer"] for run in call.script_runs.all() for e in run.path],
    "orders": [t.external_ref == f"call:{call.call_id}"
               for t in Ticket.objects.filter(source="call")],
}))
"""


@pytest.fixture
def site(tmp_path):
    """`hotline web` with its embedded switchboard on a database of its own."""
    for database in live_database(tmp_path):
        env = make_live_env(
            tmp_path,
            database.url,
            HOTLINE_SWITCHBOARD="embedded",
            HOTLINE_SWITCHBOARD_WATCHDOG_S="60",
            HOTLINE_LOG_LEVEL="WARNING",
        )
        env.python(SETUP)
        port = free_port()
        process = env.start("web", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda url=url: http_ready(url + "/login/"), timeout=60, what="the web")
        yield env, url, process
        env.stop_all()


def _log_in(browser, url: str, username: str):
    context = browser.new_context(
        base_url=url, locale="zh-CN", viewport={"width": 1366, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-tile]")
    return page


def _state(page, state: str) -> None:
    page.wait_for_selector(f'#desk-state[data-state="{state}"]')


def test_a_caller_goes_through_the_ivr_pops_on_the_desktop_and_is_served(browser, site, tmp_path):
    env, url, _process = site
    ARTIFACTS.mkdir(exist_ok=True)
    shots = ARTIFACTS
    agent = _log_in(browser, url, "agent")
    agent.goto("/desk/")
    agent.wait_for_selector("#desk-idle")
    agent.keyboard.press("Alt+L")  # log in to the phone
    _state(agent, "not_ready")
    assert agent.inner_text("#desk-state") == "示忙"
    agent.keyboard.press("Alt+R")
    _state(agent, "ready")
    assert "等待来电" in agent.inner_text("#desk-idle")

    # A team lead places a simulated call: the caller presses 1 at the IVR's menu.
    lead = _log_in(browser, url, "lead")
    lead.goto("/desk/traffic/")
    lead.fill("#test-call input[name=number]", "13905190001")
    lead.fill("#test-call input[name=keys]", "1")
    lead.click("#test-call button[type=submit]")
    lead.wait_for_selector(".messages li")

    # The phone rings and the pop shows the customer before the agent answers.
    _state(agent, "reserved")
    agent.wait_for_selector('#desk-pop .pop-head[data-customer] h2:has-text("周晓梅")')
    pop = agent.inner_text("#desk-pop")
    assert "VIP 1" in pop and "139****0001" in pop and "13905190001" not in pop
    assert "主菜单" in pop and "电视故障" in pop  # the IVR path and the queue
    assert "5190009999" in pop  # the service account, before answering
    agent.screenshot(path=str(shots / "desk-offered.png"), full_page=True)

    # The call script of the queue, its first question waiting for the caller's answer.
    assert "机顶盒指示灯是什么颜色？" in agent.inner_text("#desk-script")
    assert "请重新插拔信号线。" not in agent.inner_text("#desk-script")
    # The work-orders app is installed: the pop offers "open work order" for this customer.
    assert agent.locator("#pop-order").count() == 1

    agent.keyboard.press("Alt+A")
    _state(agent, "talking")
    expect(agent.locator("#desk-call-timer")).to_have_text(re.compile(r"\S"))
    # The caller says the light is red: the script goes on down that branch.
    agent.click('#desk-script button[data-answer="a1"]')
    agent.wait_for_selector('#desk-script [data-step="s2"]')
    assert "请重新插拔信号线。" in agent.inner_text("#desk-script")
    # The script did not help: the agent opens a work order from the call, in a new tab.
    with agent.context.expect_page() as opened:
        agent.click("#pop-order")
    order = opened.value
    order.select_option("#id_type", "repair")
    order.fill("#id_description", "指示灯红色，重插信号线无效")
    order.click("[data-submit=open]")
    order.wait_for_selector("[data-call-link]")
    order.close()
    agent.keyboard.press("Alt+H")
    _state(agent, "holding")
    agent.keyboard.press("Alt+H")
    _state(agent, "talking")
    agent.screenshot(path=str(shots / "desk-talking.png"), full_page=True)
    agent.keyboard.press("Alt+X")
    _state(agent, "wrap_up")
    agent.wait_for_selector("#desk-wrapup:not([hidden])")
    # Without a disposition the wrap-up is refused, naming the field; the note stays, and
    # going not ready does not skip the disposition either.
    agent.fill("#desk-wrap-form textarea[name=note]", "重启机顶盒后恢复")
    agent.keyboard.press("Alt+W")
    agent.wait_for_selector("#desk-wrap-form select[name=disposition][aria-invalid=true]")
    assert "统计项目" in agent.inner_text("#desk-wrap-errors")
    assert agent.input_value("#desk-wrap-form textarea[name=note]") == "重启机顶盒后恢复"
    agent.keyboard.press("Alt+N")
    expect(agent.locator("#desk-message")).to_contain_text("统计项目")
    assert agent.inner_text("#desk-state") == "话后处理"
    agent.select_option("#desk-wrap-form select[name=disposition]", label="电视无信号")
    agent.screenshot(path=str(shots / "desk-wrap-up.png"), full_page=True)
    agent.keyboard.press("Alt+W")
    _state(agent, "ready")
    agent.wait_for_selector("#desk-wrapup[hidden]", state="attached")
    agent.wait_for_selector('#desk-recent li[data-call] .badge:has-text("电视无信号")')

    call = json.loads(env.python(CALL))
    assert call == {
        "state": "ended",
        "ivr": ["主菜单", "1", "电视故障"],
        "agent": "agent",
        "disposition": "tv-signal",
        "note": "重启机顶盒后恢复",
        "timeline": 1,
        "script_path": ["a1"],
        "orders": [True],  # one order, opened from this call
    }
