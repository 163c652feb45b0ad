"""Pages: persona matrix (role × region), the open-order form from the customer page, the
detail page's actions, the board (filters, bulk dispatch, query count), the SMS link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import Role
from hotline.tickets import notify
from hotline.tickets.models import Ticket
from hotline.tickets.services.dispatching import ticket_dispatch
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(desk):
    w = desk.world
    return {
        "agent": desk.agent,
        "dispatcher": desk.dispatcher,
        "lead": desk.lead,
        "technician": desk.tech_a.user,
        "other_technician": desk.tech_b.user,
        "manager": desk.city_manager,
        "inspector": factories.user(Role.QA_INSPECTOR),
        "editor": factories.user(Role.KNOWLEDGE_EDITOR, regions=[w.d1]),
        "stranger": factories.user(Role.DISPATCHER, regions=[w.s2a]),
    }


MATRIX = {
    # page: {persona: status}
    "list": {"agent": 200, "technician": 200, "manager": 200, "inspector": 200, "editor": 403},
    "detail": {
        "agent": 200,
        "dispatcher": 200,
        "technician": 200,
        "manager": 200,
        "inspector": 200,
        "editor": 403,
        "stranger": 404,
    },
    "new": {"agent": 200, "dispatcher": 200, "technician": 403, "manager": 403},
    "board": {"dispatcher": 200, "lead": 200, "agent": 403, "technician": 403, "manager": 403},
    "my_orders": {"technician": 200, "dispatcher": 403, "agent": 403},
    "my_order": {"technician": 200, "other_technician": 404, "dispatcher": 403},
    "panel": {"agent": 200, "dispatcher": 200, "stranger": 404, "editor": 403},
    "faults": {"agent": 200, "dispatcher": 200, "technician": 403, "manager": 200},
    "fault_new": {"dispatcher": 200, "lead": 200, "agent": 403},
    "reports": {"manager": 200, "lead": 200, "dispatcher": 403, "agent": 403, "technician": 403},
    "settlement": {"manager": 200, "lead": 403, "dispatcher": 403},
}
CASES = [(page, who, status) for page, row in MATRIX.items() for who, status in row.items()]


@pytest.mark.parametrize(("page", "who", "status"), CASES)
def test_persona_matrix(desk, people, open_order, client, page, who, status):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    urls = {
        "list": reverse("tickets:list"),
        "detail": reverse("tickets:detail", args=[ticket.pk]),
        "new": reverse("tickets:new") + f"?customer={desk.world.c1a.pk}",
        "board": reverse("tickets:board"),
        "my_orders": reverse("tickets:my_orders"),
        "my_order": reverse("tickets:my_order", args=[ticket.pk]),
        "panel": reverse("tickets:customer_panel", args=[desk.world.c1a.pk]),
        "faults": reverse("tickets:faults"),
        "fault_new": reverse("tickets:fault_new"),
        "reports": reverse("tickets:reports"),
        "settlement": reverse("tickets:settlement"),
    }
    client.force_login(people[who])
    assert client.get(urls[page]).status_code == status


def test_an_order_links_its_customer_page_only_for_those_who_may_open_it(
    desk, people, open_order, client
):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    customer_page = reverse("customers:detail", args=[ticket.customer_id])
    for who, linked in (("technician", False), ("agent", True)):
        client.force_login(people[who])
        html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
        assert ticket.customer.name in html
        assert (f'href="{customer_page}"' in html) is linked, who
        assert client.get(customer_page).status_code == (200 if linked else 403), who


@pytest.mark.parametrize(("language", "words"), [("en", "customer page"), ("zh-hans", "客户页面")])
def test_opening_an_order_without_a_customer_points_to_the_customer_search(
    desk, client, language, words
):
    client.force_login(desk.agent)
    client.cookies["django_language"] = language
    html = client.get(reverse("tickets:new")).content.decode()
    hint = html.split("data-start-from-customer>", 1)[1].split("</p>", 1)[0]
    assert words in hint
    assert f'href="{reverse("customers:list")}"' in hint
    assert 'name="type"' in html  # an order without a customer can still be opened
    page = client.get(reverse("tickets:new"), {"customer": desk.world.c1a.pk}).content.decode()
    assert "data-start-from-customer" not in page


def test_an_agent_opens_an_order_from_the_customer_page_with_prefill(desk, client):
    customer = desk.world.c1a
    client.force_login(desk.agent)
    panel = client.get(reverse("tickets:customer_panel", args=[customer.pk])).content.decode()
    link = re.search(r'href="([^"]+)" data-open-order', panel).group(1)
    form = client.get(link + "&type=fault-repair")
    html = form.content.decode()
    assert "无信号" in html and str(desk.box) in html  # the type's choices and the device picker
    assert customer.phone not in html  # the phone is pre-filled by the service, not shown
    response = client.post(
        reverse("tickets:new"),
        {
            "type": "fault-repair",
            "customer": customer.pk,
            "priority": "normal",
            "f_symptom": "无信号",
            "f_device": str(desk.box.pk),
            "description": "全家电视没信号",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.contact_phone == customer.phone and ticket.address == customer.address
    detail = client.get(response.url).content.decode()
    assert ticket.number in detail and "全家电视没信号" in detail
    panel = client.get(reverse("tickets:customer_panel", args=[customer.pk])).content.decode()
    assert ticket.number in panel


def test_an_order_opened_from_a_call_remembers_the_call(desk, client):
    """The desk's "open work order" carries the call: the order is a phone order and its page
    links to the call. Someone else's call id is ignored (an ordinary order)."""
    from django.utils import timezone

    from hotline.routing import hooks
    from hotline.telephony.models import CallRecord

    customer = desk.world.c1a
    call = CallRecord.objects.create(
        call_id="c-77", caller=customer.phone, state="talking", queue="tv",
        agent=desk.agent, customer=customer, offered_at=timezone.now(),
    )  # fmt: skip
    link = hooks.work_order_url(call)
    assert "call=c-77" in link and f"customer={customer.pk}" in link
    client.force_login(desk.agent)
    form = client.get(link + "&type=fault-repair").content.decode()
    assert 'name="call" value="c-77"' in form
    body = {
        "type": "fault-repair",
        "customer": customer.pk,
        "priority": "normal",
        "f_symptom": "无信号",
        "f_device": str(desk.box.pk),
        "description": "来电报修",
        "call": "c-77",
    }
    response = client.post(reverse("tickets:new"), body)
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.external_ref) == (Ticket.Source.CALL, "call:c-77")
    detail = client.get(response.url).content.decode()
    assert reverse("routing:call_by_id", args=["c-77"]) in detail
    # Another agent cannot attach an order to this call.
    client.force_login(factories.user(Role.AGENT, regions=[desk.world.d1], username="other1"))
    client.post(reverse("tickets:new"), {**body, "description": "别人的"})
    other = Ticket.objects.get(description="别人的")
    assert (other.source, other.external_ref) == (Ticket.Source.WEB, "")


def test_the_form_shows_the_services_errors_on_the_fields(desk, client):
    client.force_login(desk.agent)
    response = client.post(
        reverse("tickets:new"),
        {"type": "fault-repair", "customer": desk.world.c1a.pk, "priority": "normal"},
    )
    assert response.status_code == 200
    assert "f_symptom" in response.context["form"].errors
    assert not Ticket.objects.exists()
    # The error is inside the field's box, under its label: a box that is a <p> would be
    # closed by the browser before the error list (<ul>), which then floats off in the grid.
    html = response.content.decode()
    box = html.split('<div class="field field-f_symptom">', 1)[1].split('class="field field-', 1)[0]
    assert 'class="errorlist' in box


def test_the_detail_page_offers_only_what_the_user_may_do_and_does_it(desk, client, open_order):
    ticket = open_order()
    client.force_login(desk.agent)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert page.context["actions"] == []  # an agent neither dispatches nor cancels
    client.force_login(desk.dispatcher)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert set(page.context["actions"]) == {"dispatch", "cancel"}
    assert page.context["candidates"][0].technician == desk.tech_a
    client.post(
        reverse("tickets:action", args=[ticket.pk, "dispatch"]),
        {"technician": desk.tech_b.pk, "note": ""},
    )
    ticket.refresh_from_db()
    assert (ticket.state, ticket.technician) == ("dispatched", desk.tech_b)
    refused = client.post(reverse("tickets:action", args=[ticket.pk, "close"]), follow=True)
    assert "已派单" in refused.content.decode() and "已关闭" in refused.content.decode()


def test_board_filters_colours_and_bulk_dispatch(desk, client, open_order):
    now = datetime.datetime.now(datetime.UTC)
    fresh = open_order(now=now)
    late = open_order(now=now - datetime.timedelta(hours=47))
    overdue = open_order(now=now - datetime.timedelta(hours=49))
    client.force_login(desk.dispatcher)
    page = client.get(reverse("tickets:board"))
    risks = {row.pk: row.risk for row in page.context["rows"]}
    assert risks == {fresh.pk: "ok", late.pk: "at_risk", overdue.pk: "breached"}
    assert page.context["rows"][0].pk == overdue.pk  # most urgent first
    only_late = client.get(reverse("tickets:board") + "?risk=breached")
    assert [row.pk for row in only_late.context["rows"]] == [overdue.pk]
    response = client.post(
        reverse("tickets:board_dispatch"),
        {"ticket": [fresh.pk, late.pk, overdue.pk], "technician": ""},
        follow=True,
    )
    assert response.status_code == 200
    techs = dict(Ticket.objects.values_list("pk", "technician_id"))
    assert set(techs.values()) == {desk.tech_a.pk, desk.tech_b.pk}  # spread by load


def test_the_board_labels_every_cell_for_a_phone(desk, client, open_order):
    """On a phone the tables stack; each count and each order's field keeps its name."""
    open_order()
    client.force_login(desk.dispatcher)
    html = client.get(reverse("tickets:board")).content.decode()
    summary = html[html.index('<tr data-summary="') :]
    summary = summary[: summary.index("</tr>")]
    assert 'data-label="新建">1</td>' in summary
    assert 'data-label="合计"><strong>1</strong>' in summary
    row = html[html.index('<tr class="risk-') :]
    row = row[: row.index("</tr>")]
    for label in ("类型", "状态", "地区", "地址", "维修员", "负责人", "处理时限"):
        assert f'data-label="{label}"' in row


def test_the_board_costs_the_same_queries_for_5_or_50_orders(desk, client, open_order):
    client.force_login(desk.dispatcher)

    def count() -> int:
        client.get(reverse("tickets:board"))  # warm the permission cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("tickets:board")).status_code == 200
        return len(queries)

    for _ in range(5):
        ticket_dispatch(ticket=open_order(), technician=desk.tech_a, by=desk.dispatcher)
    few = count()
    for _ in range(45):
        open_order()
    assert count() == few
    assert few <= 12


def test_the_board_refreshes_its_rows_for_htmx(desk, client, open_order):
    open_order()
    client.force_login(desk.dispatcher)
    response = client.get(
        reverse("tickets:board"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-rows"
    )
    html = response.content.decode()
    assert html.lstrip().startswith("<tbody") and "board-rows" in html
    full = client.get(reverse("tickets:board")).content.decode()
    assert 'data-live-topics="[&quot;ticketboard.s1a&quot;]"' in full


def _dispatch_line(ticket):
    return ticket.history.get(action="dispatch").pk


def test_the_sms_link_signs_the_technician_in_and_opens_the_order(desk, client, open_order):
    from hotline.integrations.models import SmsMessage

    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    sms = SmsMessage.objects.get(to=desk.tech_a.mobile)
    assert ticket.number in sms.text and ticket.address in sms.text
    link = re.search(r"https?://\S+/s/(\S+)", sms.text)
    response = client.get(f"/s/{link.group(1)}")
    assert response.status_code == 302
    assert response.url == reverse("tickets:my_order", args=[ticket.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and ticket.number in page.content.decode()


def test_an_old_link_after_a_reassignment_signs_nobody_in(desk, client, open_order):
    from hotline.tickets.services.dispatching import ticket_redispatch

    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    line = _dispatch_line(ticket)
    ticket_redispatch(ticket=ticket, technician=desk.tech_b, by=desk.dispatcher, note="改派")
    token = notify.technician_link(line).rsplit("/s/", 1)[1]
    response = client.get(f"/s/{token}")
    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


def test_a_link_to_a_finished_order_signs_nobody_in(desk, client, open_order):
    from hotline.tickets.services.transitions import ticket_transition

    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    token = notify.technician_link(_dispatch_line(ticket)).rsplit("/s/", 1)[1]
    ticket_transition(ticket=ticket, action="cancel", by=desk.dispatcher, note="客户取消")

    response = client.get(f"/s/{token}")

    assert response.status_code == 410
    assert "_auth_user_id" not in client.session
    # Signed in with the password, the technician still has their list.
    client.force_login(desk.tech_a.user)
    assert client.get(f"/s/{token}").status_code == 410
    assert client.get(reverse("tickets:my_orders")).status_code == 200


def test_a_forged_or_expired_link_opens_nothing(desk, client, open_order, monkeypatch):

    from hotline.integrations.sms.links import signed_token

    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    line = _dispatch_line(ticket)
    token = signed_token("wo", line, expires_in=datetime.timedelta(hours=1))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/s/{forged}").status_code == 404
    other_line = signed_token("wo", line + 1000, expires_in=datetime.timedelta(hours=1))
    assert client.get(f"/s/{other_line}").status_code == 404
    issued = signing.time.time() - 2 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    old = signed_token("wo", line, expires_in=datetime.timedelta(hours=1))
    monkeypatch.undo()
    assert client.get(f"/s/{old}").status_code == 410
    assert "_auth_user_id" not in client.session


def test_a_technician_accepts_and_resolves_on_the_phone_page(desk, client, open_order):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    url = reverse("tickets:my_order", args=[ticket.pk])
    html = client.get(url).content.decode()
    assert 'data-action="accept"' in html and ticket.contact_phone not in html
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "accept"]))
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "arrive"]))
    shown = client.post(reverse("tickets:my_order_action", args=[ticket.pk, "contact"]))
    assert ticket.contact_phone in shown.content.decode()
    from hotline.accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="reveal", object_id=str(ticket.pk)).exists()
    ticket.refresh_from_db()
    response = client.post(
        reverse("tickets:my_order_action", args=[ticket.pk, "resolve"]),
        {
            "note": "更换机顶盒",
            "parts_used": "机顶盒",
            "confirmation_code": ticket.confirmation_code,
        },
    )
    assert response.status_code == 302 and response.url == reverse("tickets:my_orders")
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.callback_state == "pending"


def test_the_phone_pages_lead_home_and_switch_language(desk, client, open_order):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    for url in (reverse("tickets:my_orders"), reverse("tickets:my_order", args=[ticket.pk])):
        html = client.get(url).content.decode()
        # The technician's only way to the knowledge base and the other pages is home.
        assert f'href="{reverse("home")}"' in html
        assert f'action="{reverse("set_language")}"' in html and 'value="en"' in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("tickets:my_orders")).content.decode()
    assert "My orders" in html and 'value="zh-hans"' in html


def test_only_people_working_on_the_order_attach_files(
    desk, client, open_order, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    ticket = open_order()
    inspector = factories.user(Role.QA_INSPECTOR)
    client.force_login(inspector)
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff0", content_type="image/jpeg")
    client.post(reverse("tickets:attach", args=[ticket.pk]), {"file": photo})
    assert not ticket.attachments.exists()
    client.force_login(desk.agent)
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff0", content_type="image/jpeg")
    client.post(reverse("tickets:attach", args=[ticket.pk]), {"file": photo})
    assert ticket.attachments.count() == 1


def test_downloading_a_file_from_the_order_page_is_audited_as_a_reveal(
    desk, client, open_order, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.accounts.models import AuditEntry

    settings.MEDIA_ROOT = tmp_path
    ticket = open_order()
    client.force_login(desk.agent)
    photo = SimpleUploadedFile("id-card.jpg", b"\xff\xd8\xff0", content_type="image/jpeg")
    client.post(reverse("tickets:attach", args=[ticket.pk]), {"file": photo})
    attachment = ticket.attachments.get()
    client.force_login(desk.dispatcher)
    response = client.get(reverse("tickets:file", args=[ticket.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff0"
    entry = AuditEntry.objects.get(
        action="reveal", model="tickets.ticketattachment", object_id=str(attachment.pk)
    )
    assert entry.actor_id == desk.dispatcher.pk
    assert entry.changes == {"field": "file", "via": "page", "ticket": ticket.number}


def test_the_phone_pages_say_when_an_order_is_overdue(desk, client, open_order):
    from django.utils import timezone

    late = open_order(now=timezone.now() - datetime.timedelta(days=10))
    fresh = open_order(now=timezone.now())
    for ticket in (late, fresh):
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    html = client.get(reverse("tickets:my_orders")).content.decode()
    cards = dict(re.findall(r'data-ticket="(\d+)">(.*?)</a>', html, re.S))
    assert 'data-risk="breached"' in cards[str(late.pk)] and "已超时" in cards[str(late.pk)]
    assert 'data-risk="ok"' in cards[str(fresh.pk)] and "已超时" not in cards[str(fresh.pk)]
    html = client.get(reverse("tickets:my_order", args=[late.pk])).content.decode()
    assert 'class="due late"' in html and "已超时" in html
    # The office page of the order marks the passed deadline itself, not only the header.
    html = client.get(reverse("tickets:detail", args=[late.pk])).content.decode()
    assert 'class="late" data-risk="breached"' in html
    html = client.get(reverse("tickets:detail", args=[fresh.pk])).content.decode()
    assert 'data-risk="breached"' not in html


def test_resolving_without_a_note_names_the_field_not_an_error_code(desk, client, open_order):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "accept"]))
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "arrive"]))
    response = client.post(
        reverse("tickets:my_order_action", args=[ticket.pk, "resolve"]), {"note": ""}, follow=True
    )
    html = response.content.decode()
    assert "处理情况：该字段是必填项。" in html
    assert "必填项。 required" not in html  # the error's code is not read out
    ticket.refresh_from_db()
    assert ticket.state == "on_site"


def test_the_board_says_what_its_escalation_badge_means_and_marks_a_missing_address(
    desk, client, open_order
):
    # Dispatchers saw a bare "↑2" next to the owner, and an empty cell for an order with no
    # address (an area fault's repair order has no customer).
    ticket = open_order()
    Ticket.objects.filter(pk=ticket.pk).update(escalation_level=2, address="")
    client.force_login(desk.dispatcher)
    html = client.get(reverse("tickets:board")).content.decode()
    row = html[html.index(f'data-ticket="{ticket.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'title="升级层级 2">↑2</span>' in row
    assert 'data-label="地址">—</td>' in row
