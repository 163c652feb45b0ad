"""Figures for managers: on-time rates per target, repeat-repair rate, volumes, technicians;
Excel exports; the monthly fee settlement per service outlet."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hotline.tickets.models import FeeItem
from hotline.tickets.reports import Period, figures
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.fees import ticket_charge_add
from hotline.tickets.services.transitions import (
    ticket_accept,
    ticket_arrive,
    ticket_close,
    ticket_resolve,
    ticket_verify,
)
from tests.tickets.conftest import T0

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
MARCH = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def finish(desk, ticket, *, tech, hours_to_site, hours_to_resolve, close_after=None):
    start = ticket.created_at
    ticket = ticket_dispatch(ticket=ticket, technician=tech, by=desk.dispatcher, now=start)
    ticket = ticket_accept(ticket=ticket, by=tech.user, now=start + 0.1 * H)
    ticket = ticket_arrive(ticket=ticket, by=tech.user, now=start + hours_to_site * H)
    ticket = ticket_resolve(
        ticket=ticket,
        by=tech.user,
        note="修复",
        confirmation_code=ticket.confirmation_code,
        now=start + hours_to_resolve * H,
    )
    if close_after is not None:
        ticket = ticket_verify(ticket=ticket, by=desk.agent, now=start + close_after * H)
        ticket = ticket_close(ticket=ticket, by=desk.dispatcher, now=start + close_after * H)
    return ticket


@pytest.fixture
def month(desk, open_order):
    """Four resolved orders in March 2026: three on time, one late; one repeat repair."""
    from tests import factories

    other = factories.customer(desk.world.s1a)
    a = finish(desk, open_order(now=T0), tech=desk.tech_a, hours_to_site=2, hours_to_resolve=5,
               close_after=20)  # fmt: skip
    finish(desk, open_order(now=T0 + 24 * H, customer=other), tech=desk.tech_a, hours_to_site=4,
           hours_to_resolve=60, close_after=200)  # fmt: skip
    finish(desk, open_order(now=T0 + 48 * H, priority="major", customer=other), tech=desk.tech_b,
           hours_to_site=1, hours_to_resolve=10)  # fmt: skip
    repeat = open_order(now=a.resolved_at + 72 * H)  # the same customer and category: a repeat
    assert repeat.repeat_of == a
    finish(desk, repeat, tech=desk.tech_b, hours_to_site=3, hours_to_resolve=6)
    return a


def test_on_time_rates_per_target(desk, month):
    data = figures(desk.city_manager, MARCH)
    rows = {row["policy"]: row for row in data["on_time"]}
    normal, major = rows["一般故障48小时"], rows["重大故障24小时"]
    assert (normal["resolved"], normal["resolved_on_time"]) == (3, 2)
    assert normal["resolution_rate"] == 66.7
    assert (major["resolved"], major["resolution_rate"]) == (1, 100.0)
    # Loop closed within 3 working days: the first (20 h) yes, the second (200 h) no.
    assert (normal["closed"], normal["closed_on_time"]) == (2, 1)


def test_repeat_rate_volumes_and_technicians(desk, month):
    data = figures(desk.city_manager, MARCH)
    assert data["repeat"] == {"n": 4, "repeats": 1, "rate": 25.0}
    assert data["volumes"]["total"] == 4
    assert data["volumes"]["by_region"] == [{"code": "d1", "name": "天宁区", "n": 4}]
    techs = {row["technician"]: row for row in data["technicians"]}
    a = techs[str(desk.tech_a.user)]
    assert (a["resolved"], a["on_time_rate"], a["repeat_rate"]) == (2, 50.0, 50.0)
    assert a["hours_to_site"] == 3.0
    b = techs[str(desk.tech_b.user)]
    assert (b["resolved"], b["on_time_rate"], b["repeat_rate"], b["hours_to_site"]) == (
        2,
        100.0,
        0.0,
        2.0,
    )


def test_figures_follow_the_region_scope(desk, month):
    from tests import factories

    lead_elsewhere = factories.user("team_lead", regions=[desk.world.s2a])
    assert figures(lead_elsewhere, MARCH)["volumes"]["total"] == 0


def test_the_page_and_its_excel_export(desk, month, client):
    client.force_login(desk.city_manager)
    query = "?start=2026-03-01&end=2026-03-31"
    page = client.get(reverse("tickets:reports") + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="report-charts"' in html and "echarts" in html
    # Each figure's definition is on the page itself, not a path in the source tree.
    assert "data-definitions" in html and "统计口径" in html and "docs/" not in html
    export = client.get(reverse("tickets:reports_export") + query)
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames[0] == "按时情况"
    assert [c.value for c in book["按时情况"][2]][:3] in (
        ["一般故障48小时", "48 小时（日历时间）", 3],
        ["重大故障24小时", "24 小时（日历时间）", 1],
    )
    client.force_login(desk.agent)
    assert client.get(reverse("tickets:reports")).status_code == 403


def test_a_zero_rate_reads_as_zero_on_the_page_and_only_no_data_as_a_dash(desk, month, client):
    client.force_login(desk.city_manager)
    html = client.get(reverse("tickets:reports") + "?start=2026-03-01&end=2026-03-31")
    row = next(line for line in html.content.decode().splitlines() if str(desk.tech_b.user) in line)
    # tech_b: 2 resolved, 100 % on time, no repeat repair (0.0 %, as in the export), 2 h.
    assert "<td>100.0</td><td>0.0</td><td>2.0</td>" in row, row


def test_the_monthly_settlement_per_service_outlet(desk, month, client):
    fee = FeeItem.objects.create(code="visit", label_zh="上门服务费", label_en="Visit", amount=30)
    ticket_charge_add(ticket=month, by=desk.dispatcher, fee_item=fee, quantity=2)
    client.force_login(desk.city_manager)
    response = client.get(reverse("tickets:settlement") + "?month=2026-03")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == ["天宁区", "红梅站", "上门服务费", 1, 2, 60.0]
    client.force_login(desk.dispatcher)
    assert client.get(reverse("tickets:settlement")).status_code == 403


def test_the_page_shows_its_period_in_the_date_pickers_and_names_the_opened_figure(
    desk, month, client
):
    client.force_login(desk.city_manager)
    html = client.get(reverse("tickets:reports")).content.decode()
    this_month = Period.this_month()
    # The browser's date picker takes ISO dates only, in Chinese too (not 2026/11/01).
    assert f'name="start" value="{this_month.start.isoformat()}"' in html
    assert f'name="end" value="{this_month.end.isoformat()}"' in html
    # "Opened" here counts orders; it is not a customer account's opening date (开户日期).
    assert "新建工单" in html and "开户日期" not in html
    assert "全部地区" in html


def test_order_types_are_named_in_the_readers_language_on_the_chart_and_in_the_export(
    desk, month, client
):
    client.force_login(desk.city_manager)
    client.cookies["django_language"] = "en"
    query = "?start=2026-03-01&end=2026-03-31"
    page = client.get(reverse("tickets:reports") + query)
    assert [t["name"] for t in page.context["charts"]["by_type"]] == ["Fault repair"]
    export = client.get(reverse("tickets:reports_export") + query)
    by_type = load_workbook(io.BytesIO(export.content))["By type"]
    assert [c.value for c in by_type[2]] == ["Fault repair", 4]


def test_the_export_holds_names_with_control_characters_and_formulas_as_plain_text(
    desk, month, client
):
    # A label typed into the administration with a control character (openpyxl refuses
    # those) or a leading "=" (a formula in Excel).
    desk.fault.label_zh = "=故障\x01维修"
    desk.fault.save()
    client.force_login(desk.city_manager)
    export = client.get(reverse("tickets:reports_export") + "?start=2026-03-01&end=2026-03-31")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert "'=故障维修" in values
