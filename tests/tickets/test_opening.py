"""Opening an order: pre-fill from the customer, the type's form, SLA deadlines, numbers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.customers.models import TimelineEntry
from hotline.events import recorded_events
from hotline.tickets.models import Ticket, TicketAttachment, TicketTimer
from hotline.tickets.services.opening import ticket_open
from hotline.tickets.workflow import State
from tests.tickets.conftest import T0, recorded_sms

pytestmark = pytest.mark.django_db


def test_order_is_prefilled_from_the_customer_and_numbered_by_local_day(desk, open_order):
    customer = desk.world.c1a
    with recorded_events() as events:
        ticket = open_order(form={"symptom": "无信号", "device": str(desk.box.pk)})
    assert ticket.number == "WO20260302-000001"
    assert ticket.state == State.NEW
    assert (ticket.region, ticket.address, ticket.contact_name, ticket.contact_phone) == (
        customer.region,
        customer.address,
        customer.name,
        customer.phone,
    )
    assert ticket.form_data == {
        "symptom": "无信号",
        "device": {"id": desk.box.pk, "label": str(desk.box)},
    }
    assert list(ticket.devices.all()) == [desk.box]
    assert ticket.category == desk.fault.statistic_item
    assert [e.name for e in events][:1] == ["ticket.created"]
    assert open_order().number == "WO20260302-000002"
    # 23:30 Beijing time on the 2nd is still the 2nd's counter; 00:30 on the 3rd starts anew.
    late = open_order(now=datetime.datetime(2026, 3, 2, 15, 30, tzinfo=datetime.UTC))
    next_day = open_order(now=datetime.datetime(2026, 3, 2, 16, 30, tzinfo=datetime.UTC))
    assert late.number == "WO20260302-000003"
    assert next_day.number == "WO20260303-000001"


def test_deadlines_come_from_the_policy_for_the_types_priority(desk, open_order):
    normal = open_order()
    assert normal.sla_policy == desk.normal
    assert normal.response_due_at == T0 + datetime.timedelta(hours=1)
    assert normal.arrival_due_at == T0 + datetime.timedelta(hours=4)
    assert normal.resolution_due_at == T0 + datetime.timedelta(hours=48)
    assert normal.warning_at == T0 + datetime.timedelta(hours=48 * 0.8)
    major = open_order(priority="major")
    assert major.sla_policy == desk.major
    assert major.resolution_due_at == T0 + datetime.timedelta(hours=24)
    kinds = set(TicketTimer.objects.filter(ticket=major).values_list("kind", flat=True))
    assert kinds == {"warning", "breach", "owner"}


def test_every_bad_field_is_named_and_nothing_is_written(desk, open_order):
    before = Ticket.objects.count()
    with pytest.raises(ValidationError) as info:
        open_order(
            form={"symptom": "下雨", "device": "999999", "colour": "red"},
            contact_phone="12",
            priority="urgentest",
        )
    errors = info.value.message_dict
    assert set(errors) == {
        "form.symptom",
        "form.device",
        "form.colour",
        "contact_phone",
        "priority",
    }
    assert "无信号" in errors["form.symptom"][0]
    assert Ticket.objects.count() == before


def test_required_form_fields_are_required(desk, open_order):
    with pytest.raises(ValidationError) as info:
        open_order(form={})
    assert list(info.value.message_dict) == ["form.symptom"]


def test_a_photo_is_stored_through_the_storage_api(desk, open_order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("box.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    ticket = open_order(files={"photo": [photo]})
    attachment = TicketAttachment.objects.get(ticket=ticket)
    assert attachment.field_key == "photo" and attachment.name == "box.jpg"
    assert attachment.file.storage.exists(attachment.file.name)
    assert ticket.form_data["photo"] == ["box.jpg"]


def test_an_executable_is_refused_as_attachment(desk, open_order):
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationError) as info:
        open_order(files={"photo": [bad]})
    assert "form.photo" in info.value.message_dict


def test_an_agent_cannot_open_for_a_customer_outside_their_regions(desk, open_order):
    with pytest.raises(PermissionDenied):
        open_order(customer=desk.world.c2a)


def test_a_technician_cannot_open_orders(desk, open_order):
    with pytest.raises(PermissionDenied):
        open_order(by=desk.tech_a.user)


def test_the_order_goes_on_the_customers_timeline_and_the_code_by_sms(desk, open_order):
    with recorded_sms() as messages:
        ticket = open_order()
    entry = TimelineEntry.objects.get(ref_model="tickets.ticket", ref_id=str(ticket.pk))
    assert entry.customer == desk.world.c1a and ticket.number in entry.title
    assert entry.kind == "order"
    assert [m.purpose for m in messages] == ["confirmation_code"]
    assert messages[0].to == desk.world.c1a.phone
    assert ticket.confirmation_code in messages[0].text


def test_a_new_order_goes_to_the_stations_dispatcher_first(desk, open_order):
    ticket = open_order()
    assert ticket.owner == desk.dispatcher and ticket.escalation_level == 1
    assert [h.action for h in ticket.history.all()] == ["created", "owner_assigned"]


def test_an_auto_dispatch_type_goes_straight_to_the_best_technician(desk, open_order):
    desk.fault.auto_dispatch = True
    desk.fault.save()
    with recorded_sms() as messages:
        ticket = open_order()
    ticket.refresh_from_db()
    assert ticket.state == State.DISPATCHED
    assert ticket.technician == desk.tech_a  # both fit; equal load: the longest-serving
    assert "dispatched" in [m.purpose for m in messages]
    assert (
        ticket_open(
            by=desk.agent,
            order_type=desk.fault,
            customer=desk.world.c1a,
            form={"symptom": "无信号"},
        ).technician
        == desk.tech_b
    )  # tech_a now carries one order more
