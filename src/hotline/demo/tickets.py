"""Work orders in the demo data set: configuration, a history of closed orders, a live board.

Order types, SLA policies and fee items go through the ORM. Closed orders (and, for the
benchmarks, a million of them) are written with the database's bulk path, history lines
included, because a million service calls would take hours. The open orders of the board go
through the real services (opening, dispatch, accept…), so their owners, timers, history
and SMS are exactly what the application makes.

Unlike the customers, the orders are placed relative to the moment the demo is built (the
same offsets for the same seed): a board or a monthly report built on a fixed date would be
all red, or empty, when someone opens the demo later.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from hotline.accounts.models import Region, Technician, User
from hotline.catalog.models import StatisticItem
from hotline.stored_text import in_site_language
from hotline.tickets import sla
from hotline.tickets.clock import calendar_for
from hotline.tickets.models import (
    FeeItem,
    FieldKind,
    FormField,
    OrderType,
    SlaPolicy,
    SlaRule,
    Ticket,
    TicketNumber,
)
from hotline.tickets.subscribers import timeline_title

POLICIES = (
    # code, Chinese, English, response h, arrival h, resolution, unit, closure working days
    ("major", "重大故障24小时", "Major fault 24 h", 0.5, 4, 24, "hours", None),
    ("normal", "一般故障48小时", "Normal fault 48 h", 2, 24, 48, "hours", 3),
    ("service", "服务3个工作日", "Service 3 working days", 8, None, 3, "working_days", 3),
)
ORDER_TYPES = (
    # code, Chinese, English, statistic item, policy, skill, auto, confirm, repeats
    ("fault-repair", "故障维修", "Fault repair", "fault", "normal", "有线电视", False, True, True),
    (
        "broadband-repair",
        "宽带维修",
        "Broadband repair",
        "fault-broadband",
        "normal",
        "宽带",
        False,
        True,
        True,
    ),
    ("installation", "新装", "Installation", "installation", "service", "", False, True, False),
    ("relocation", "移机", "Relocation", "relocation", "service", "", False, False, False),
    ("complaint", "投诉处理", "Complaint", "complaint", "service", "", False, False, False),
    (
        "consultation-follow-up",
        "咨询回访",
        "Consultation follow-up",
        "service-change",
        "service",
        "",
        False,
        False,
        False,
    ),
)
FEES = (
    ("visit", "上门服务费", "Call-out fee", "30.00"),
    ("stb-replace", "更换机顶盒", "Set-top box replacement", "120.00"),
    ("cable", "入户线更换", "Drop cable replacement", "45.00"),
)
SYMPTOMS = ("无信号", "马赛克", "机顶盒不开机", "遥控器失灵", "部分频道无节目")
RESOLUTIONS = (
    "更换机顶盒电源适配器",
    "重新熔接入户光纤",
    "更换分支器",
    "重置机顶盒并重新授权",
    "更换入户线",
    "调整信号电平",
)


def build_config() -> dict[str, OrderType]:
    """Policies, order types with their forms, fee items (kept if they exist)."""
    policies = {}
    for code, zh, en, response, arrival, amount, unit, closure in POLICIES:
        policies[code], _ = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={
                "label_zh": zh,
                "label_en": en,
                "response_amount": Decimal(str(response)),
                "arrival_amount": Decimal(str(arrival)) if arrival else None,
                "resolution_amount": Decimal(amount),
                "resolution_unit": unit,
                "closure_amount": Decimal(closure) if closure else None,
                "accept_minutes": 30,
                "escalate_minutes": 60,
            },
        )
    items = {item.code: item for item in StatisticItem.objects.all()}
    types = {}
    for order, row in enumerate(ORDER_TYPES, start=1):
        code, zh, en, item, policy, skill, auto, confirm, repeats = row
        types[code], created = OrderType.objects.get_or_create(
            code=code,
            defaults={
                "label_zh": zh,
                "label_en": en,
                "statistic_item": items.get(item),
                "sla_policy": policies[policy],
                "required_skill": skill,
                "auto_dispatch": auto,
                "requires_confirmation": confirm,
                "counts_repeats": repeats,
                "sort_order": order * 10,
            },
        )
        if created and code.endswith("repair"):
            SlaRule.objects.create(
                order_type=types[code], priority="major", policy=policies["major"]
            )
            FormField.objects.create(
                order_type=types[code],
                key="symptom",
                label_zh="故障现象",
                label_en="Symptom",
                kind=FieldKind.CHOICE,
                choices="\n".join(SYMPTOMS),
                required=True,
                sort_order=10,
            )
            FormField.objects.create(
                order_type=types[code],
                key="device",
                label_zh="故障设备",
                label_en="Device",
                kind=FieldKind.DEVICE,
                sort_order=20,
            )
            FormField.objects.create(
                order_type=types[code],
                key="photo",
                label_zh="现场照片",
                label_en="Photo",
                kind=FieldKind.ATTACHMENT,
                sort_order=30,
            )
        if created and code == "installation":
            FormField.objects.create(
                order_type=types[code],
                key="appointment",
                label_zh="预约日期",
                label_en="Appointment",
                kind=FieldKind.DATE,
                required=True,
                sort_order=10,
            )
    for code, zh, en, amount in FEES:
        FeeItem.objects.get_or_create(
            code=code, defaults={"label_zh": zh, "label_en": en, "amount": Decimal(amount)}
        )
    return types


# --- bulk rows: closed orders with their history (demo history and benchmarks) ----------

TICKET_COLUMNS = (
    "number", "order_type_id", "category_id", "priority", "state", "source", "external_ref",
    "customer_id", "region_id", "address", "contact_name", "contact_phone", "description",
    "form_data", "technician_id", "owner_id", "escalation_level", "owner_acknowledged",
    "owner_since", "at_top", "created_by_id", "created_at", "updated_at", "dispatched_at",
    "accepted_at", "arrived_at", "resolved_at", "verified_at", "closed_at", "sla_policy_id",
    "response_due_at", "arrival_due_at", "resolution_due_at", "closure_due_at", "warning_at",
    "sla_provisional", "paused_from", "response_met", "arrival_met", "resolution_met",
    "closure_met", "confirmation_code", "resolution_note", "parts_used", "callback_state",
    "satisfied",
)  # fmt: skip
HISTORY_COLUMNS = (
    "ticket_id", "at", "actor_id", "actor_name", "action", "from_state", "to_state", "note",
    "technician_id", "owner_id", "data",
)  # fmt: skip
STEPS = (
    ("created", "", "new"),
    ("dispatch", "new", "dispatched"),
    ("accept", "dispatched", "accepted"),
    ("arrive", "accepted", "on_site"),
    ("resolve", "on_site", "resolved"),
    ("verify", "resolved", "verified"),
    ("close", "verified", "closed"),
)


def _people() -> dict[str, Any]:
    """Technicians by the region they serve, an agent and a dispatcher to sign the steps."""
    by_region: dict[int, list[tuple[int, int, str]]] = {}
    for tech_id, user_id, username, region_id in Technician.objects.filter(active=True).values_list(
        "id", "user_id", "user__username", "user__regions"
    ):
        if region_id:
            by_region.setdefault(region_id, []).append((tech_id, user_id, username))
    agent = User.objects.filter(role__code="agent").order_by("id").first()
    return {"technicians": by_region, "agent": agent}


TIMELINE_COLUMNS = (
    "customer_id", "at", "kind", "title", "body", "author_id", "ref_model", "ref_id", "worded",
)  # fmt: skip
Batch = dict[str, list[tuple[Any, ...]]]


def closed_order_rows(
    rng: random.Random,
    count: int,
    *,
    end: datetime.datetime,
    days: int,
    first_id: int,
    with_history: bool = True,
    with_timeline: bool = True,
) -> Iterator[Batch]:
    """Batches of rows (per table) of closed orders opened in the ``days`` before ``end``, for
    customers who have a technician in their station; order numbers continue each day's
    counter (``counters``, updated in place, is yielded under the key "counters")."""
    import json

    people = _people()
    if not people["technicians"]:
        return
    customers = list(
        Ticket.customer.field.related_model.objects.filter(
            region_id__in=list(people["technicians"]), merged_into__isnull=True
        ).values_list("id", "region_id", "address", "name", "phone")[:200_000]
    )
    if not customers:
        return
    types = list(OrderType.objects.select_related("sla_policy").order_by("id"))
    weights = [50 if t.code.endswith("repair") else 10 for t in types]
    calendar = calendar_for("")
    agent = people["agent"]
    agent_id, agent_name = (agent.pk, agent.username) if agent else (None, "demo")
    counters: dict[datetime.date, int] = dict(TicketNumber.objects.values_list("day", "last"))
    deadline_cache: dict[tuple[int, datetime.datetime], sla.Deadlines] = {}
    ticket_id = first_id
    batch: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    timeline: list[tuple[Any, ...]] = []
    for _n in range(count):
        customer_id, region_id, address, name, phone = rng.choice(customers)
        order_type = rng.choices(types, weights)[0]
        tech_id, tech_user, tech_name = rng.choice(people["technicians"][region_id])
        created = end - datetime.timedelta(seconds=rng.randrange(3600, days * 86400))
        created = created.replace(microsecond=0)
        # Deadlines depend on the hour opened: computed once per (type, hour).
        hour = created.replace(minute=0, second=0)
        key = (order_type.sla_policy_id, hour)
        if key not in deadline_cache:
            deadline_cache[key] = sla.deadlines_for(hour, order_type.sla_policy.targets(), calendar)
        base = deadline_cache[key]
        shift = created - hour
        due = {f: (getattr(base, f) + shift if getattr(base, f) else None) for f in base.FIELDS}
        times = [created]
        for gap in (rng.uniform(0.05, 0.5), rng.uniform(0.1, 1.5), rng.uniform(0.3, 8),
                    rng.uniform(0.5, 40), rng.uniform(2, 48), rng.uniform(0.1, 4)):  # fmt: skip
            times.append(times[-1] + datetime.timedelta(hours=gap))
        if times[-1] >= end:
            continue
        _created, dispatched, accepted, arrived, resolved, verified, closed = times
        local_day = timezone.localdate(created)
        counters[local_day] = counters.get(local_day, 0) + 1
        number = f"WO{local_day:%Y%m%d}-{counters[local_day]:06d}"

        def met(done: datetime.datetime, deadline: datetime.datetime | None) -> bool | None:
            return None if deadline is None else done <= deadline

        batch.append((
            ticket_id, number, order_type.pk, order_type.statistic_item_id,
            order_type.default_priority, "closed", "web", "", customer_id, region_id, address,
            name, phone,
            rng.choice(SYMPTOMS), json.dumps({"symptom": rng.choice(SYMPTOMS)}, ensure_ascii=False)
            if order_type.code.endswith("repair") else "{}",
            tech_id, tech_user, 0, True, accepted, False, agent_id, created, closed, dispatched,
            accepted, arrived, resolved, verified, closed, order_type.sla_policy_id,
            due["response"], due["arrival"], due["resolution"], due["closure"], due["warning"],
            False, "", met(accepted, due["response"]), met(arrived, due["arrival"]),
            met(resolved, due["resolution"]), met(closed, due["closure"]), "",
            rng.choice(RESOLUTIONS), "", "done", rng.random() < 0.93,
        ))  # fmt: skip
        if with_history:
            who = {
                "created": (agent_id, agent_name, None),
                "dispatch": (None, "dispatcher", tech_id),
                "accept": (tech_user, tech_name, tech_id),
                "arrive": (tech_user, tech_name, tech_id),
                "resolve": (tech_user, tech_name, tech_id),
                "verify": (agent_id, agent_name, tech_id),
                "close": (None, "dispatcher", tech_id),
            }
            for (action, source, target), at in zip(STEPS, times, strict=True):
                actor, actor_name, technician = who[action]
                history.append((
                    ticket_id, at, actor, actor_name, action, source, target, "",
                    technician, tech_user if technician else None, "{}",
                ))  # fmt: skip
            for at, event in (
                ((created, "ticket.created"), (closed, "ticket.closed")) if with_timeline else ()
            ):
                title = timeline_title(event, number, order_type.label_zh, order_type.label_en)
                timeline.append((
                    customer_id, at, "order", in_site_language(title), "",
                    None, "tickets.ticket", str(ticket_id), json.dumps({"title": title}),
                ))  # fmt: skip
        ticket_id += 1
        if len(batch) >= 5000:
            yield {"tickets_ticket": batch, "tickets_tickethistory": history,
                   "customers_timelineentry": timeline}  # fmt: skip
            batch, history, timeline = [], [], []
    yield {"tickets_ticket": batch, "tickets_tickethistory": history,
           "customers_timelineentry": timeline, "counters": list(counters.items())}  # fmt: skip


COLUMNS = {
    "tickets_ticket": ("id", *TICKET_COLUMNS),
    "tickets_tickethistory": HISTORY_COLUMNS,
    "customers_timelineentry": TIMELINE_COLUMNS,
}


def bulk_insert(batches: Iterator[Batch]) -> int:
    """Write the batches (COPY on PostgreSQL, executemany on SQLite); return the orders."""
    postgres = connection.vendor == "postgresql"
    written = 0
    with connection.cursor() as cursor:
        for batch in batches:
            for table, columns in COLUMNS.items():
                _write(cursor, table, columns, batch.get(table, []), postgres)
            written += len(batch.get("tickets_ticket", []))
            for day, last in batch.get("counters", []):
                cursor.execute(
                    "INSERT INTO tickets_ticketnumber (day, last) VALUES (%s, %s) "
                    "ON CONFLICT (day) DO UPDATE SET last = excluded.last",
                    [day, last],
                )
        if postgres:
            from django.core.management.color import no_style

            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
                cursor.execute(sql)
    return written


def _write(cursor: Any, table: str, columns: tuple[str, ...], rows: list[Any], pg: bool) -> None:
    if not rows:
        return
    names = ", ".join(columns)
    if pg:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def next_ticket_id() -> int:
    last = Ticket.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def delete_ticket_demo() -> None:
    """Remove every order and area fault (a demo rebuild) in one transaction."""
    from django.db import transaction

    with transaction.atomic():
        _delete_all()


def _delete_all() -> None:
    from hotline.tickets import models as m

    with connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_areafault SET repair_ticket_id = NULL")
        for model in (
            m.TicketTimer,
            m.TicketHistory,
            m.TicketCharge,
            m.TicketAttachment,
            Ticket.devices.through,
            Ticket,
            m.AreaFault.regions.through,
            m.AreaFault,
            TicketNumber,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608


def build_ticket_demo(*, seed: int, closed: int = 400, now: datetime.datetime | None = None) -> int:
    """The demo's orders: configuration, ``closed`` orders of the last 60 days, a live board.

    Replaces the orders of an earlier demo build. Returns the number of orders.
    """
    from django.db import transaction

    from hotline.demo.live_orders import build_live_orders

    now = now or timezone.now()
    with transaction.atomic():
        _delete_all()
        build_config()
    rng = random.Random(seed * 31 + 5)
    rows = closed_order_rows(
        rng, closed, end=now - datetime.timedelta(days=1), days=60, first_id=next_ticket_id()
    )
    with transaction.atomic():
        count = bulk_insert(rows)
    return count + build_live_orders(rng=rng, now=now)


def regions_by_code() -> dict[str, Region]:
    return {r.code: r for r in Region.objects.all()}
