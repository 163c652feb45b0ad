"""The order page and the technician's phone page show the type's custom fields by their
labels, with whole values (a text is never split into characters)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.tickets.services.dispatching import ticket_dispatch

pytestmark = pytest.mark.django_db


def test_custom_fields_show_by_label_with_whole_values(desk, open_order, client):
    ticket = open_order(form={"symptom": "无信号", "device": str(desk.box.pk)})
    client.force_login(desk.agent)
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "<dt>现象</dt><dd>无信号</dd>" in html
    assert "<dt>设备</dt><dd>机顶盒 STB0001</dd>" in html
    assert "无, 信, 号" not in html and "<dt>symptom</dt>" not in html

    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.tech_a.user)
    phone = client.get(reverse("tickets:my_order", args=[ticket.pk])).content.decode()
    assert "<small>现象:</small> 无信号" in phone
    assert "<small>设备:</small> 机顶盒 STB0001" in phone


def test_history_lines_say_what_happened_in_the_pages_language(desk, open_order, client):
    from django.conf import settings
    from django.utils import translation

    from hotline.tickets.selectors import HISTORY_LABELS
    from hotline.tickets.workflow import TRANSITIONS, State

    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    client.force_login(desk.agent)
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        opened = str(HISTORY_LABELS["created"])
        dispatched = str(TRANSITIONS["dispatch"].label)
        states = f"{State.NEW.label} → {State.DISPATCHED.label}"
    assert opened in html and dispatched in html and states in html
    assert "new → dispatched" not in html
