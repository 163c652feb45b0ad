"""Order pages refuse text holding control or text-direction characters, as the API does: a
note that displays as something other than what is stored ("Trojan Source") never gets in,
and the message names the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.tickets.models import AreaFault, FieldKind, FormField, Ticket
from hotline.tickets.services.dispatching import ticket_dispatch

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def test_opening_an_order_with_a_direction_override_names_the_field_and_opens_nothing(desk, client):
    client.force_login(desk.agent)
    response = client.post(
        reverse("tickets:new"),
        {
            "type": "fault-repair",
            "customer": desk.world.c1a.pk,
            "priority": "normal",
            "f_symptom": "无信号",
            "description": f"退款{RLO}0001",
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["description"]
    assert error.startswith("描述") and "U+202E" in error
    assert not Ticket.objects.exists()


def test_a_control_character_in_a_custom_text_field_is_refused_by_its_label(desk, client):
    FormField.objects.create(
        order_type=desk.fault,
        key="serial",
        label_zh="序列号",
        label_en="Serial",
        kind=FieldKind.TEXT,
        sort_order=9,
    )
    client.force_login(desk.agent)
    response = client.post(
        reverse("tickets:new"),
        {
            "type": "fault-repair",
            "customer": desk.world.c1a.pk,
            "priority": "normal",
            "f_symptom": "无信号",
            "f_serial": "SN\x07123",
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["f_serial"]
    assert error.startswith("序列号：") and "U+0007" in error
    assert not Ticket.objects.exists()


def test_a_note_with_a_direction_override_is_refused_and_not_written(desk, client, open_order):
    ticket = open_order()
    before = ticket.history.count()
    client.force_login(desk.agent)
    page = client.post(
        reverse("tickets:note", args=[ticket.pk]), {"note": f"ok{RLO}txt.exe"}, follow=True
    )
    html = page.content.decode()
    assert "备注" in html and "U+202E" in html
    assert ticket.history.count() == before


def test_line_breaks_and_tabs_in_a_note_are_text(desk, client, open_order):
    ticket = open_order()
    client.force_login(desk.agent)
    client.post(reverse("tickets:note", args=[ticket.pk]), {"note": "第一行\r\n第二行\t完"})
    assert ticket.history.filter(note="第一行\r\n第二行\t完").exists()


def test_dispatching_with_an_override_in_the_note_leaves_the_order_as_it_was(
    desk, client, open_order
):
    ticket = open_order()
    client.force_login(desk.dispatcher)
    page = client.post(
        reverse("tickets:action", args=[ticket.pk, "dispatch"]),
        {"technician": desk.tech_a.pk, "note": f"{RLO}急"},
        follow=True,
    )
    assert "U+202E" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == "new" and ticket.technician is None
    bulk = client.post(
        reverse("tickets:board_dispatch"),
        {"ticket": [ticket.pk], "technician": desk.tech_a.pk, "note": f"{RLO}急"},
        follow=True,
    )
    assert "U+202E" in bulk.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_resolving_on_the_phone_names_the_field_once(desk, client, open_order):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "accept"]))
    client.post(reverse("tickets:my_order_action", args=[ticket.pk, "arrive"]))
    page = client.post(
        reverse("tickets:my_order_action", args=[ticket.pk, "resolve"]),
        {"note": "换了机顶盒", "parts_used": f"机顶盒{RLO}"},
        follow=True,
    )
    html = page.content.decode()
    assert html.count("使用配件：") == 1 and "U+202E" in html
    ticket.refresh_from_db()
    assert ticket.state == "on_site"


def test_declaring_an_area_fault_with_a_control_character_names_the_field(desk, client):
    client.force_login(desk.dispatcher)
    response = client.post(
        reverse("tickets:fault_new"),
        {"title": "光缆中断", "regions": [desk.world.s1a.pk], "cause": "挖断\x1b[31m"},
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["cause"]
    assert error.startswith("原因") and "U+001B" in error
    assert not AreaFault.objects.exists()
