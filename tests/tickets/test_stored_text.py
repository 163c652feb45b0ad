"""What the system words itself (timers' history notes, timeline titles, SMS) reads in each
reader's language, whatever language was active when it was written (decision 0022)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from hotline.stored_text import in_site_language, joined, labels, render, stored
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.timers import timers_run
from tests.tickets.conftest import T0, recorded_sms

M = datetime.timedelta(minutes=1)


def test_a_stored_sentence_reads_in_the_active_language_and_time_zone():
    due = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    note = stored(gettext_noop("Resolution due at %(due)s."), due=due)
    with translation.override("en"):
        assert render(note) == "Resolution due at 2026-03-02 09:30."
    with translation.override("zh-hans"):
        assert render(note) == "处理时限为 2026-03-02 09:30。"


def test_arguments_nest_labels_pick_the_language_and_numbers_stay_numbers():
    reason = stored(
        gettext_noop("%(technician)s did not accept within %(minutes)d minutes."),
        technician="王师傅",
        minutes=30,
    )
    both = joined(reason, stored(gettext_noop("No other technician fits.")))
    with translation.override("en"):
        assert render(both) == (
            "王师傅 did not accept within 30 minutes. No other technician fits."
        )
        assert render(labels("故障维修", "Fault repair")) == "Fault repair"
        assert render(labels("故障维修", "")) == "故障维修"  # the other one when empty
    with translation.override("zh-hans"):
        assert render(labels("故障维修", "Fault repair")) == "故障维修"
        assert render(both) == "王师傅 未在 30 分钟内接单。 没有其他合适的维修员。"
    with translation.override("en"):  # the record's own text: the site's language
        assert in_site_language(reason) == "王师傅 未在 30 分钟内接单。"


def test_what_cannot_be_read_falls_back_to_the_text_kept_on_the_record():
    broken = {"msg": "Resolution due at %(due)s.", "args": {"other": 1}}
    assert render(broken, "kept text") == "kept text"
    assert render({}, "kept text") == "kept text"
    assert render(None, "kept text") == "kept text"
    assert render({"unknown": 1}, "kept text") == "kept text"


@pytest.mark.django_db
def test_a_timer_line_reads_in_english_and_in_chinese(desk, open_order, client):
    ticket = open_order()
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    with translation.override("en"):  # whatever the worker's language, the line is stored
        timers_run(now=T0 + 31 * M, worker="test")
    line = ticket.history.get(action="reassigned")
    with translation.override(settings.LANGUAGE_CODE):
        chinese = render(line.data["note_msg"])
    assert line.note == chinese == f"{desk.tech_a} 未在 30 分钟内接单。"

    client.force_login(desk.dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f"{desk.tech_a} did not accept within 30 minutes." in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert chinese in zh and "did not accept" not in zh


@pytest.mark.django_db
def test_the_technicians_sms_is_in_the_sites_language_when_an_english_user_dispatches(
    desk, open_order
):
    ticket = open_order()
    with recorded_sms() as messages, translation.override("en"):
        ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    (sms,) = [m for m in messages if m.purpose == "dispatched"]
    assert "[Hotline]" not in sms.text and ticket.number in sms.text
    assert desk.fault.label_zh in sms.text


@pytest.mark.django_db
def test_an_orders_timeline_lines_read_in_the_readers_language(desk, open_order, client):
    ticket = open_order()
    ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    customer_page = reverse("customers:detail", args=[desk.world.c1a.pk])
    client.force_login(desk.agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(customer_page).content.decode()
    assert f"Work order {ticket.number} {desk.fault.label_en} opened" in english
    assert f"Work order {ticket.number} {desk.fault.label_en} dispatched" in english
    assert f"To {desk.tech_a}." in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(customer_page).content.decode()
    assert f"工单 {ticket.number} {desk.fault.label_zh} 已开单" in chinese
    assert f"Work order {ticket.number}" not in chinese
