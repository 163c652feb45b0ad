"""The demo's open orders, made through the real services: a board with a mix of states and
SLA risk, "my orders" for the demo technician, and an area fault with linked callers."""

from __future__ import annotations

import datetime
import random

from hotline.accounts.models import Region, Technician, User
from hotline.customers.models import Customer
from hotline.demo.tickets import SYMPTOMS
from hotline.tickets.models import OrderType
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.faults import area_fault_declare, area_fault_link
from hotline.tickets.services.opening import ticket_open
from hotline.tickets.services.transitions import ticket_accept, ticket_arrive, ticket_pause

H = datetime.timedelta(hours=1)
# (hours ago opened, how far it got) for the orders of the demo technician's district.
PLAN = (
    (0.2, "new"), (0.5, "new"), (1, "new"), (3, "new"), (20, "new"), (40, "new"),
    (0.3, "dispatched"), (0.4, "dispatched"), (2, "accepted"), (5, "accepted"),
    (6, "on_site"), (30, "accepted"), (44, "on_site"), (10, "paused"), (47, "new"),
    (50, "accepted"),
)  # fmt: skip


def _customers(region: Region, rng: random.Random, count: int) -> list[Customer]:
    pool = list(
        Customer.objects.filter(region=region, merged_into__isnull=True).order_by("id")[:200]
    )
    return rng.sample(pool, min(count, len(pool)))


def _open(order_type: OrderType, customer: Customer, agent: User, at: datetime.datetime,
          rng: random.Random):  # type: ignore[no-untyped-def]  # fmt: skip
    form = {"symptom": rng.choice(SYMPTOMS)} if order_type.code.endswith("repair") else {}
    if order_type.code == "installation":
        form = {"appointment": (at + 24 * H).date().isoformat()}
    return ticket_open(
        by=agent,
        order_type=order_type,
        customer=customer,
        form=form,
        description=f"客户来电：{form.get('symptom', order_type.label_zh)}",
        now=at,
    )


def build_live_orders(*, rng: random.Random, now: datetime.datetime) -> int:
    agent = User.objects.filter(username="agent").first()
    dispatcher = User.objects.filter(username="dispatcher").first()
    technician = (
        Technician.objects.filter(user__username="technician").select_related("user").first()
    )
    if agent is None or dispatcher is None or technician is None:
        return 0
    station = technician.user.regions.first()
    repair = OrderType.objects.get(code="fault-repair")
    types = list(OrderType.objects.order_by("sort_order"))
    made = 0
    for (hours, stage), customer in zip(PLAN, _customers(station, rng, len(PLAN)), strict=False):
        opened = now - hours * H
        order_type = repair if stage != "new" or rng.random() < 0.6 else rng.choice(types)
        ticket = _open(order_type, customer, agent, opened, rng)
        made += 1
        if stage == "new":
            continue
        step = opened + 0.1 * H
        ticket = ticket_dispatch(ticket=ticket, technician=technician, by=dispatcher, now=step)
        if stage == "dispatched":
            continue
        ticket = ticket_accept(ticket=ticket, by=technician.user, now=step + 0.05 * H)
        if stage in ("on_site", "paused"):
            ticket = ticket_arrive(ticket=ticket, by=technician.user, now=step + 0.5 * H)
        if stage == "paused":
            ticket_pause(
                ticket=ticket, by=technician.user, note="客户不在家，约明天上午", now=step + H
            )
    # Other districts: a few new orders each, so whole-city users see a city-wide board.
    for district in Region.objects.filter(level=Region.Level.DISTRICT).exclude(
        pk=station.parent_id
    ):
        stations = list(district.children.order_by("code")[:2])
        for place in stations:
            for customer in _customers(place, rng, 2):
                _open(repair, customer, agent, now - rng.uniform(0.2, 30) * H, rng)
                made += 1
    # An area fault next door, with callers linked to it.
    neighbour = station.parent.children.exclude(pk=station.pk).order_by("code").first()
    if neighbour is not None:
        fault = area_fault_declare(
            by=dispatcher,
            title=f"{neighbour.name}光节点中断",
            cause="市政施工挖断主干光缆",
            regions=[neighbour],
            order_type=repair,
            expected_end_at=now + 5 * H,
            now=now - 0.5 * H,
        )
        for customer in _customers(neighbour, rng, 4):
            area_fault_link(fault=fault, customer=customer, by=agent)
            made += 1
        made += 1
    return made
