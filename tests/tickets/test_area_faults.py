"""Area faults: declared once with one repair order, callers linked in one click from the
customer page, resolved together with an SMS to each caller; BOSS told once per region."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.integrations.boss.port import BillingUnavailable, FaultNotice
from hotline.tickets.models import AreaFault, Ticket, TicketTimer
from hotline.tickets.services.faults import (
    area_fault_declare,
    area_fault_link,
    area_fault_notify_boss,
    area_fault_resolve,
    area_fault_resolve_reports,
)
from tests import factories
from tests.tickets.conftest import recorded_sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def fault(desk):
    return area_fault_declare(
        by=desk.dispatcher,
        title="红梅站光节点中断",
        cause="施工挖断光缆",
        regions=[desk.world.s1a],
        order_type=desk.fault,
        expected_end_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=6),
    )


def test_declaring_opens_one_repair_order_under_the_major_fault_sla(desk, fault):
    repair = fault.repair_ticket
    assert repair.priority == "major" and repair.sla_policy == desk.major
    assert repair.region == desk.world.s1a and repair.customer is None
    assert repair.resolution_due_at - repair.created_at == datetime.timedelta(hours=24)
    assert fault.number.startswith("AF") and list(fault.regions.all()) == [desk.world.s1a]


def test_an_agent_links_callers_in_one_click_and_again_is_the_same_report(desk, fault, client):
    neighbour = factories.customer(desk.world.s1a, name="邻居")
    client.force_login(desk.agent)
    panel = client.get(reverse("tickets:customer_panel", args=[neighbour.pk])).content.decode()
    assert "红梅站光节点中断" in panel and f'data-link-fault="{fault.pk}"' in panel
    response = client.post(
        reverse("tickets:fault_link", args=[fault.pk]), {"customer": neighbour.pk}
    )
    assert response.status_code == 302
    report = Ticket.objects.get(area_fault=fault, customer=neighbour)
    assert report.source == "area_fault" and report.state == "new" and report.owner is None
    assert not TicketTimer.objects.filter(ticket=report).exists()  # the repair order has them
    again = area_fault_link(fault=fault, customer=neighbour, by=desk.agent)
    assert again == report
    # Callers elsewhere do not see this fault on their page.
    far = client.get(reverse("tickets:customer_panel", args=[desk.world.c1b.pk])).content.decode()
    assert "红梅站光节点中断" not in far


def test_resolving_the_fault_resolves_every_linked_report_and_texts_each_caller(desk, fault):
    callers = [factories.customer(desk.world.s1a) for _ in range(5)]
    reports = [area_fault_link(fault=fault, customer=c, by=desk.agent) for c in callers]
    with pytest.raises(ValidationError):
        area_fault_resolve(fault=fault, by=desk.dispatcher, note=" ")
    area_fault_resolve(fault=fault, by=desk.dispatcher, note="光缆已熔接")
    with recorded_sms() as messages:
        assert area_fault_resolve_reports(fault_id=fault.pk, user_id=desk.dispatcher.pk) == 5
    assert area_fault_resolve_reports(fault_id=fault.pk, user_id=desk.dispatcher.pk) == 0
    for report in reports:
        report.refresh_from_db()
        assert report.state == "resolved" and report.callback_state == "pending"
        assert report.history.filter(action="fault_resolve").count() == 1
    assert sorted(m.to for m in messages) == sorted(c.phone for c in callers)
    assert all(m.purpose == "area_fault_resolved" for m in messages)
    fault.refresh_from_db()
    assert fault.status == "resolved"
    with pytest.raises(ValidationError):
        area_fault_link(fault=fault, customer=callers[0], by=desk.agent)


class FakeBoss:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.fail = fail

    def report_area_fault(self, region_code, description, **kwargs):  # type: ignore[no-untyped-def]
        self.calls.append((region_code, kwargs.get("idempotency_key")))
        if self.fail:
            raise BillingUnavailable(reason="timeout")
        return FaultNotice(notice_id=f"N-{region_code}", region_code=region_code, description="")


def test_boss_hears_of_the_fault_once_per_region_with_a_key(desk, fault):
    boss = FakeBoss()
    assert area_fault_notify_boss(fault_id=fault.pk, system=boss) == "ok"
    assert boss.calls == [("s1a", f"{fault.number}:s1a")]
    fault.refresh_from_db()
    assert fault.boss_notice_id == "N-s1a" and fault.boss_error == ""
    assert area_fault_notify_boss(fault_id=fault.pk, system=FakeBoss(fail=True)) != "ok"
    fault.refresh_from_db()
    assert "timeout" in fault.boss_error


def test_declaring_needs_the_permission_and_regions_in_scope(desk):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        area_fault_declare(
            by=desk.agent, title="x", cause="", regions=[desk.world.s1a], order_type=desk.fault
        )
    with pytest.raises(ValidationError) as info:
        area_fault_declare(
            by=desk.dispatcher, title="x", cause="", regions=[desk.world.s2a], order_type=desk.fault
        )
    assert "regions" in info.value.message_dict
    assert not AreaFault.objects.exists()


def test_the_fault_pages(desk, fault, client):
    client.force_login(desk.dispatcher)
    listing = client.get(reverse("tickets:faults")).content.decode()
    assert fault.number in listing
    detail = client.get(reverse("tickets:fault_detail", args=[fault.pk])).content.decode()
    assert fault.repair_ticket.number in detail
    client.post(reverse("tickets:fault_resolve", args=[fault.pk]), {"note": "修复"})
    fault.refresh_from_db()
    assert fault.status == "resolved"
    stranger = factories.user("dispatcher", regions=[desk.world.s2a])
    client.force_login(stranger)
    assert client.get(reverse("tickets:fault_detail", args=[fault.pk])).status_code == 404


def region_tree(html: str) -> list[tuple[int, str]]:
    """The declare page's region checkboxes as (depth, name), in page order."""
    return [
        (int(depth), name.strip())
        for depth, name in re.findall(
            r'<div class="region-option"[^>]* data-depth="(\d+)"[^>]*><label[^>]*><input[^>]*>'
            r"([^<]+)</label>",
            html,
        )
    ]


def test_the_declare_page_shows_the_users_regions_as_a_tree(desk, client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("tickets:fault_new")).content.decode()
    assert region_tree(page) == [
        (0, "常州市"),
        (1, "天宁区"),
        (2, "红梅站"),
        (2, "茶山站"),
        (1, "武进区"),
        (2, "湖塘站"),
    ]
    # A team lead bound to 天宁区 gets that district as the top of the tree.
    client.force_login(desk.lead)
    page = client.get(reverse("tickets:fault_new")).content.decode()
    assert region_tree(page) == [(0, "天宁区"), (1, "红梅站"), (1, "茶山站")]


def test_a_declaration_without_regions_says_so_under_the_region_tree(desk, client):
    client.force_login(desk.dispatcher)
    response = client.post(
        reverse("tickets:fault_new"), {"title": "红梅站光节点中断", "cause": "施工挖断光缆"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    fieldset, box = html.split('<fieldset class="field field-regions invalid"', 1)[1].split(">", 1)
    box = box.split("</fieldset>", 1)[0]
    assert 'aria-describedby="id_regions_helptext id_regions_error"' in fieldset
    tree_at = box.index('class="region-tree"')
    assert tree_at < box.index('<ul class="errorlist" id="id_regions_error">')
    assert 'class="errorlist' not in html.split('<fieldset class="field field-regions', 1)[0]
    assert not AreaFault.objects.exists()


def test_the_ticked_regions_are_declared_through_the_page(desk, client):
    client.force_login(desk.lead)
    response = client.post(
        reverse("tickets:fault_new"),
        {
            "title": "天宁区停电",
            "cause": "供电检修",
            "regions": [desk.world.s1a.pk, desk.world.s1b.pk],
        },
    )
    fault = AreaFault.objects.get()
    assert response.url == reverse("tickets:fault_detail", args=[fault.pk])
    assert set(fault.regions.all()) == {desk.world.s1a, desk.world.s1b}


def test_the_desk_hears_of_a_fault_as_soon_as_it_is_declared_and_no_more_once_resolved(desk):
    from hotline.routing import hooks

    assert hooks.area_fault(desk.world.s1a.pk) is None  # asked (and kept) before the fault
    declared = area_fault_declare(
        by=desk.dispatcher,
        title="红梅站光节点中断",
        cause="施工挖断光缆",
        regions=[desk.world.s1a],
        order_type=desk.fault,
    )
    assert hooks.area_fault(desk.world.s1a.pk) == "红梅站光节点中断"
    area_fault_resolve(fault=declared, by=desk.dispatcher, note="光缆已熔接")
    assert hooks.area_fault(desk.world.s1a.pk) is None


def test_the_ivr_and_the_desk_hear_of_the_callers_area_fault(desk, fault):
    from hotline.routing import hooks

    text = hooks.area_fault(desk.world.s1a.pk)
    assert text is not None and text.startswith("红梅站光节点中断")
    assert hooks.area_fault(desk.world.s2a.pk) is None

    class Call:
        customer_id = desk.world.c1a.pk

    assert hooks.work_order_url(Call()) == f"/orders/new/?customer={desk.world.c1a.pk}"


def test_the_chinese_pages_call_an_area_fault_by_one_name(desk, fault, client):
    # The customer page and the order form said 片区故障, the menu and the order page
    # 区域故障; the order form also ended the Chinese title with an English full stop.
    customer = factories.customer(desk.world.s1a, name="邻居")
    client.force_login(desk.agent)
    panel = client.get(reverse("tickets:customer_panel", args=[customer.pk])).content.decode()
    form = client.get(reverse("tickets:new"), {"customer": customer.pk}).content.decode()
    for html in (panel, form):
        assert f"区域故障 {fault.number}" in html and "片区故障" not in html
    assert "红梅站光节点中断." not in form
