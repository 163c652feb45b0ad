"""The demo's call history: a week of answered and abandoned calls with their steps.

A fresh installation has the switchboard's configuration but no calls yet, so the call log
(a QA inspector's day, a team lead's review), the customer timelines and the agents' "last
calls" would open empty. This writes ``per_day`` calls a day for the last ``days`` days,
as the switchboard would have recorded them: the IVR path, the queue, the agent who
answered, the steps with their times, the wrap-up, and for the most recent answered calls
a real recording (a generated WAV, as the simulated switch makes).
"""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.catalog.models import StatisticItem
from hotline.customers.models import Customer, TimelineEntry
from hotline.routing.services import call_timeline_title
from hotline.stored_text import in_site_language
from hotline.telephony.models import CallRecord, CallStep
from hotline.telephony.recordings import write_wav

# IVR key → queue, the menu's own label, the dispositions agents give such calls.
_MENU = {
    "1": ("tv", "电视故障报修", ["fault-no-signal", "fault-mosaic", "fault-stb"]),
    "2": ("net", "宽带故障报修", ["fault-broadband", "service-change"]),
    "0": ("general", "人工服务", ["consultation", "billing", "complaint", "suspend-resume"]),
}
RECORDED = 40  # the most recent answered calls carry a recording
RECORDING_SECONDS = 20.0  # each at most this long (a 20 s WAV is about 320 kB)
_NOTES = ["已指导重启机顶盒", "已开维修工单", "客户表示满意", "已告知缴费方式", "已解释资费", ""]


def build_call_demo(
    *, seed: int = 2026, days: int = 7, per_day: int = 40, now: datetime.datetime | None = None
) -> int:
    """Write the demo call history once (nothing when calls exist); return the calls made."""
    if CallRecord.objects.exists():
        return 0
    agents = list(User.objects.filter(role__code="agent", is_active=True).order_by("username"))
    if not agents:
        return 0
    now = now or timezone.now()
    rng = random.Random(seed * 17 + 3)
    items = {i.code: i for i in StatisticItem.objects.all()}
    customers = list(
        Customer.objects.filter(merged_into__isnull=True)
        .order_by("id")
        .values_list("id", "phone")[:2000]
    )
    calls = []
    # Calls come in the site's working day (08:00 to 20:00 in its time zone) of each past
    # day, whatever the hour the demo is loaded at: a log of calls at 2 a.m. looks broken.
    today = timezone.localtime(now).date()
    for n in range(days * per_day):
        day = today - datetime.timedelta(days=1 + n // per_day)
        opening = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
        offered = opening + datetime.timedelta(hours=rng.uniform(0, 12))
        calls.append(_call(rng, offered, agents, customers, items))
    calls.sort(key=lambda c: c["record"].offered_at)
    with transaction.atomic():
        records = CallRecord.objects.bulk_create([c["record"] for c in calls], batch_size=500)
        steps, entries = [], []
        for call, record in zip(calls, records, strict=True):
            for kind, at, agent, detail in call["steps"]:
                steps.append(CallStep(call=record, at=at, kind=kind, agent=agent, detail=detail))
            if record.customer_id and record.wrapped_up_at:
                title = call_timeline_title(
                    record.agent.display_name or record.agent.username, record.disposition
                )
                entries.append(
                    TimelineEntry(
                        customer_id=record.customer_id,
                        at=record.offered_at,
                        kind=TimelineEntry.Kind.CALL,
                        title=in_site_language(title)[:200],
                        worded={"title": title},
                        body=record.note,
                        author=record.agent,
                        ref_model="telephony.callrecord",
                        ref_id=str(record.pk),
                    )
                )
        CallStep.objects.bulk_create(steps, batch_size=1000)
        TimelineEntry.objects.bulk_create(entries, batch_size=500)
    _record(records[::-1], rng)
    return len(records)


def _call(
    rng: random.Random,
    offered: datetime.datetime,
    agents: list[User],
    customers: list[tuple[int, str]],
    items: dict[str, StatisticItem],
) -> dict[str, Any]:
    second = datetime.timedelta(seconds=1)
    key = rng.choice("1112220")
    queue, label, dispositions = _MENU[key]
    known = customers and rng.random() < 0.7
    customer_id, caller = (
        rng.choice(customers) if known else (None, f"13{rng.randrange(10**9):09d}")
    )
    path = [{"type": "menu", "label": "主菜单"}, {"key": key}, {"type": "queue", "queue": queue}]
    queued = offered + rng.uniform(8, 20) * second
    steps: list[tuple[str, datetime.datetime, User | None, dict]] = [
        ("offered", offered, None, {}),
        ("ivr", offered + 2 * second, None, {"key": key, "label": label}),
        ("queued", queued, None, {"queue": queue}),
    ]
    record = CallRecord(
        call_id=uuid.UUID(int=rng.getrandbits(128)).hex,
        channel="",
        caller=caller,
        called="96655",
        customer_id=customer_id,
        queue=queue,
        ivr_path=path,
        offered_at=offered,
        queued_at=queued,
    )
    if rng.random() < 0.12:  # the caller gave up waiting
        ended = queued + rng.uniform(20, 150) * second
        record.state, record.ended_at, record.hung_up_by = "abandoned", ended, "caller"
        record.end_reason = "abandoned"
        steps.append(("abandoned", ended, None, {"waited": round((ended - queued).seconds)}))
        return {"record": record, "steps": steps}
    agent = rng.choice(agents)
    ringing = queued + rng.uniform(2, 60) * second
    answered = ringing + rng.uniform(2, 8) * second
    ended = answered + rng.uniform(40, 420) * second
    item = items.get(rng.choice(dispositions))
    record.state, record.agent = "ended", agent
    record.answered_at, record.ended_at = answered, ended
    record.hung_up_by = rng.choice(["caller", "caller", "agent"])
    record.disposition, record.note = item, rng.choice(_NOTES)
    record.wrapped_up_at = ended + rng.uniform(5, 50) * second
    steps += [
        ("ringing", ringing, agent, {}),
        ("answered", answered, agent, {}),
        ("ended", ended, agent, {"hung_up_by": record.hung_up_by}),
        ("wrapped_up", record.wrapped_up_at, agent, {"disposition": item.code if item else ""}),
    ]
    return {"record": record, "steps": steps}


def _record(newest_first: list[CallRecord], rng: random.Random) -> None:
    """Recordings for the most recent answered calls, written outside the transaction."""
    answered = [c for c in newest_first if c.answered_at][:RECORDED]
    for call in answered:
        talk = (call.ended_at - call.answered_at).total_seconds()
        name = f"{call.call_id}.wav"
        seconds = write_wav(
            settings.RECORDINGS_DIR / name,
            min(talk, RECORDING_SECONDS),
            seed=rng.randrange(1000),
        )
        CallRecord.objects.filter(pk=call.pk).update(recording=name, recording_seconds=seconds)
