"""A small service company: order types, SLA policies, technicians, a dispatcher chain."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hotline.accounts.models import Role, Team, Technician, User
from hotline.catalog.models import StatisticItem
from hotline.customers.models import Device, ServiceAccount
from hotline.tickets.models import FieldKind, FormField, OrderType, SlaPolicy, SlaRule
from tests import factories
from tests.conftest import World

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)  # Monday 09:00 in Shanghai


@dataclass
class Desk:
    world: World
    normal: SlaPolicy
    major: SlaPolicy
    fault: OrderType
    install: OrderType
    no_signal: StatisticItem
    agent: User
    dispatcher: User
    lead: User
    district_manager: User
    city_manager: User
    tech_a: Technician
    tech_b: Technician
    tech_far: Technician
    box: Device


def ensure_calendars() -> None:
    """The calendars' data migration again: a transactional test's flush removed its rows."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "hotline.calendars.migrations.0002_load_calendars_and_holidays_2025_2026"
    )
    migration.load(apps, None)


def make_desk(world: World) -> Desk:
    ensure_calendars()
    fault_item = StatisticItem.objects.create(code="fault", label_zh="故障报修", label_en="Fault")
    no_signal = StatisticItem.objects.create(
        code="fault-no-signal", label_zh="无信号", label_en="No signal", parent=fault_item
    )
    install_item = StatisticItem.objects.create(
        code="installation", label_zh="新装", label_en="Installation"
    )
    normal = SlaPolicy.objects.create(
        code="normal",
        label_zh="一般故障48小时",
        label_en="Normal fault 48 h",
        response_amount=1,
        arrival_amount=4,
        resolution_amount=48,
        closure_amount=3,
        closure_unit="working_days",
        accept_minutes=30,
        escalate_minutes=60,
    )
    major = SlaPolicy.objects.create(
        code="major",
        label_zh="重大故障24小时",
        label_en="Major fault 24 h",
        response_amount="0.25",
        arrival_amount=2,
        resolution_amount=24,
        accept_minutes=10,
        escalate_minutes=30,
    )
    fault = OrderType.objects.create(
        code="fault-repair",
        label_zh="故障维修",
        label_en="Fault repair",
        statistic_item=fault_item,
        sla_policy=normal,
        required_skill="有线电视",
        requires_confirmation=True,
        counts_repeats=True,
    )
    SlaRule.objects.create(order_type=fault, priority="major", policy=major)
    FormField.objects.create(
        order_type=fault,
        key="symptom",
        label_zh="现象",
        label_en="Symptom",
        kind=FieldKind.CHOICE,
        choices="无信号\n马赛克\n机顶盒不开机",
        required=True,
        sort_order=1,
    )
    FormField.objects.create(
        order_type=fault,
        key="device",
        label_zh="设备",
        label_en="Device",
        kind=FieldKind.DEVICE,
        sort_order=2,
    )
    FormField.objects.create(
        order_type=fault,
        key="photo",
        label_zh="照片",
        label_en="Photo",
        kind=FieldKind.ATTACHMENT,
        sort_order=3,
    )
    install = OrderType.objects.create(
        code="installation",
        label_zh="新装",
        label_en="Installation",
        statistic_item=install_item,
        sla_policy=normal,
        required_skill="宽带",
    )
    agent = factories.user(Role.AGENT, regions=[world.d1], username="agent1", phone="13900000001")
    dispatcher = factories.user(
        Role.DISPATCHER, regions=[world.s1a], username="disp_s1a", phone="13900000002"
    )
    lead = factories.user(Role.TEAM_LEAD, regions=[world.d1], username="lead_d1")
    Team.objects.create(name="天宁组", lead=lead, region=world.d1)
    district_manager = factories.user(Role.MANAGER, regions=[world.d1], username="mgr_d1")
    # A whole-city manager: the "manager" role sees every region.
    city_manager = factories.user(Role.MANAGER, username="mgr_city", phone="13900000009")
    tech_a = factories.technician(world.s1a, mobile="13800000001", skills="有线电视, 宽带")
    tech_b = factories.technician(world.s1a, mobile="13800000002", skills="有线电视")
    tech_far = factories.technician(world.s2a, mobile="13800000003", skills="有线电视")
    account = ServiceAccount.objects.create(customer=world.c1a, number="A0001")
    box = Device.objects.create(account=account, kind="stb", serial="STB0001")
    return Desk(
        world,
        normal,
        major,
        fault,
        install,
        no_signal,
        agent,
        dispatcher,
        lead,
        district_manager,
        city_manager,
        tech_a,
        tech_b,
        tech_far,
        box,
    )


@pytest.fixture
def desk(world) -> Desk:
    return make_desk(world)


@pytest.fixture
def open_order(desk):
    """``open_order(**overrides)`` → a fault-repair order for customer c1a opened by the agent."""
    from hotline.tickets.services.opening import ticket_open

    def _open(**overrides):
        fields = {
            "by": desk.agent,
            "order_type": desk.fault,
            "customer": desk.world.c1a,
            "form": {"symptom": "无信号"},
            "description": "客户反映无信号",
            "now": T0,
        }
        fields.update(overrides)
        return ticket_open(**fields)

    return _open


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    purpose: str


@contextlib.contextmanager
def recorded_sms() -> Iterator[list[Sms]]:
    """The text messages queued in the SMS outbox inside the block (filled in at its end)."""
    from hotline.integrations.models import SmsMessage

    mark = SmsMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    messages: list[Sms] = []
    yield messages
    for row in SmsMessage.objects.filter(pk__gt=mark).order_by("id"):
        purpose = row.reference.split(":")[2] if row.reference.startswith("ticket:") else ""
        messages.append(Sms(row.to, row.text, purpose))
