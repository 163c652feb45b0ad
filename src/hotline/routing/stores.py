"""The switchboard's write-through: every call step and agent state change is written in
its own short transaction, and the domain event is published with it.

These are sync functions; the switchboard calls them through its one bounded boundary
(``boundary.SyncBoundary``), never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from hotline import events
from hotline.accounts.models import User
from hotline.accounts.scope import regions_in_scope
from hotline.audit.masking import mask_phone
from hotline.customers.models import Customer, CustomerPhone, TimelineEntry
from hotline.customers.phones import normalize_phone
from hotline.customers.selectors import VIEW_PERMISSION
from hotline.push.send import push_send
from hotline.routing.domain.agents import BUSY, AgentState
from hotline.routing.domain.routing import QueueConfig, Strategy
from hotline.routing.ivr_context import ivr_prefetch
from hotline.routing.models import (
    AgentSkill,
    AgentStateLog,
    AgentStatus,
    CallbackRequest,
    IvrFlow,
    Queue,
)
from hotline.stored_text import in_site_language, stored
from hotline.telephony.clock import as_datetime
from hotline.telephony.models import CallRecord, CallStep

logger = logging.getLogger(__name__)
RESTART_REASON = "switchboard_restart"
__all__ = ["ivr_prefetch"]  # the switchboard reaches every sync call through this module


@dataclass
class AgentRow:
    id: int
    name: str
    skills: dict[str, int]
    state: str = AgentState.LOGGED_OUT
    reason: str = ""
    calls_today: int = 0


@dataclass
class Configuration:
    queues: list[QueueConfig]
    agents: list[AgentRow]
    flows: dict[str, dict[str, Any]]  # called number ("" = default) -> published tree
    queue_labels: dict[str, str] = field(default_factory=dict)


def load_configuration() -> Configuration:
    queues = []
    labels = {}
    for queue in Queue.objects.filter(active=True).select_related("skill", "overflow_to"):
        labels[queue.code] = queue.label
        queues.append(
            QueueConfig(
                code=queue.code,
                skill=queue.skill.code,
                strategy=Strategy(queue.strategy),
                min_proficiency=queue.min_proficiency,
                overflow_after=float(queue.overflow_after) if queue.overflow_after else None,
                overflow_to=queue.overflow_to.code if queue.overflow_to_id else None,
                sticky_timeout=queue.sticky_hours * 3600.0,
                avg_handle=float(queue.avg_handle),
                ring_timeout=float(queue.ring_timeout),
                wrap_up_limit=float(queue.wrap_up_limit),
            )
        )
    agents: dict[int, AgentRow] = {}
    for row in AgentSkill.objects.select_related("agent", "skill").filter(agent__is_active=True):
        agent = agents.setdefault(
            row.agent_id,
            AgentRow(row.agent_id, row.agent.display_name or row.agent.username, {}),
        )
        agent.skills[row.skill.code] = row.proficiency
    for status in AgentStatus.objects.filter(agent_id__in=list(agents)):
        agents[status.agent_id].state = status.state
        agents[status.agent_id].reason = status.reason
        agents[status.agent_id].calls_today = status.calls_today
    flows = {}
    for flow in IvrFlow.objects.all():
        version = flow.published()
        if version is not None:
            flows[flow.number or ""] = version.tree
    return Configuration(queues, list(agents.values()), flows, labels)


def recover(*, now: float) -> dict[str, Any]:
    """After a restart: close the calls the crash cut, free every busy agent, and return
    the callback requests still waiting (they keep their place).

    Each call and agent is closed in its own short transaction.
    """
    at = as_datetime(now)
    closed = 0
    for record in CallRecord.objects.filter(ended_at__isnull=True).exclude(
        state=CallRecord.State.CALLBACK
    ):
        with transaction.atomic():
            abandoned = record.answered_at is None
            record.state = CallRecord.State.ABANDONED if abandoned else CallRecord.State.ENDED
            record.ended_at, record.end_reason = at, RESTART_REASON
            record.hung_up_by = CallRecord.HungUpBy.SYSTEM
            record.save(update_fields=["state", "ended_at", "end_reason", "hung_up_by"])
            CallStep.objects.create(
                call=record, at=at, kind="ended", detail={"reason": RESTART_REASON}
            )
            events.publish("call.ended", _call_data(record))
            closed += 1
    freed = 0
    for status in AgentStatus.objects.filter(state__in=[*BUSY, AgentState.WRAP_UP]):
        agent_state_write(
            agent_id=status.agent_id,
            before=status.state,
            after=AgentState.NOT_READY,
            reason="recovered",
            at=now,
            call_id="",
            calls_today=status.calls_today,
        )
        freed += 1
    callbacks = list(
        CallbackRequest.objects.filter(
            state__in=[
                CallbackRequest.State.WAITING,
                CallbackRequest.State.OFFERED,
                CallbackRequest.State.RETRY,
                CallbackRequest.State.DIALING,
            ]
        ).values("call_id", "number", "customer_id", "queue", "priority", "entered_at", "attempts")
    )
    return {"closed_calls": closed, "freed_agents": freed, "callbacks": callbacks}


def _call_data(record: CallRecord, **extra: Any) -> dict[str, Any]:
    return {
        "call_id": record.call_id,
        "state": record.state,
        "agent_id": record.agent_id,
        "customer_id": record.customer_id,
        "queue": record.queue,
        **extra,
    }


def call_open(
    *,
    call_id: str,
    channel: str,
    caller: str,
    called: str,
    at: float,
    direction: str = CallRecord.Direction.INBOUND,
) -> dict[str, Any]:
    """A new call: identify the caller by number and write the record."""
    number = normalize_phone(caller)
    phone = (
        CustomerPhone.objects.filter(number=number, customer__merged_into__isnull=True)
        .select_related("customer")
        .first()
    )
    customer: Customer | None = phone.customer if phone else None
    when = as_datetime(at)
    repeat = CallRecord.objects.filter(
        caller=number, offered_at__gte=when - timedelta(hours=24)
    ).exists()
    with transaction.atomic(savepoint=False):
        record = CallRecord.objects.create(
            call_id=call_id,
            channel=channel,
            caller=number,
            called=called,
            customer=customer,
            state=CallRecord.State.OFFERED,
            offered_at=when,
            direction=direction,
        )
        CallStep.objects.create(call=record, at=when, kind="offered", detail={"channel": channel})
    return {
        "customer_id": customer.pk if customer else None,
        "vip_level": customer.vip_level if customer else 0,
        "region_id": customer.region_id if customer else None,
        "repeat": repeat,
        "customer": _pop_customer(customer),
    }


def _pop_customer(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {
        "id": customer.pk,
        "name": customer.name,
        "vip_level": customer.vip_level,
        "region_id": customer.region_id,
    }


def pop_customer_for(
    *, agent_id: int | None, customer: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The caller's customer as the agent ``agent_id`` may see it in their pop: ``None``
    (an unknown caller on the desk) when they may not see customers or the customer's region
    is outside their scope, the same rule as ``customers.selectors.get_customer_for``."""
    if customer is None or agent_id is None:
        return None
    may_view, scope = _pop_scope(agent_id)
    if not may_view or (scope is not None and customer.get("region_id") not in scope):
        return None
    return customer


# A pop is pushed at every offer: the agent's right to see customers and their region scope
# are cached (the ACL cache, Redis in production) instead of read from their row each time.
# An admin's change to roles, regions or permissions moves the ACL version, a change to the
# agent's own row (deactivated, another role) forgets their entry: both are seen at the next
# pop. The switchboard reads the entry in (``pop_scope_warm``) when the agent logs in or
# becomes ready, so the offer itself finds it; the time-out only bounds a change made
# outside Django (raw SQL).
POP_SCOPE_TTL = 15 * 60


def pop_scope_warm(*, agent_id: int) -> None:
    """Have the agent's pop scope cached before their next offer (no-op when it is)."""
    _pop_scope(agent_id)


def _pop_scope(agent_id: int) -> tuple[bool, frozenset[int] | None]:
    from django.core.cache import cache

    from hotline.accounts.acl_cache import acl_user_key

    key = acl_user_key("pop", agent_id)
    cached = cache.get(key)
    if cached is not None:
        may_view, scope = cached
        return may_view, None if scope == "all" else frozenset(scope)
    user = User.objects.select_related("role").filter(pk=agent_id, is_active=True).first()
    may_view = user is not None and user.has_perm(VIEW_PERMISSION)
    scope = regions_in_scope(user) if may_view else frozenset()
    cache.set(key, (may_view, "all" if scope is None else sorted(scope)), POP_SCOPE_TTL)
    return may_view, scope


# Steps that ring an agent: their desktop pops the caller (a colleague's consult or
# conference rings like a call from the queue).
OFFERS = ("ringing", "consult_ringing", "conference_ringing")


def call_step(
    *,
    call_id: str,
    at: float,
    kind: str,
    agent_id: int | None = None,
    detail: dict[str, Any] | None = None,
    publish: bool = True,
    assign_agent: int | None = None,
    offered_at: float | None = None,
    popped: bool = False,
    **fields: Any,
) -> None:
    """Write one step of a call and the record's fields that changed with it.

    ``offered_at``: for a step that rings an agent, when the switchboard chose them (the screen
    pop carries it, so a desktop or a benchmark can tell how long the pop took). ``popped``:
    the switchboard pushed the pop already (``offer_pop``); else a ringing step's event
    carries a pop read from the database."""
    when = as_datetime(at)
    for name in ("queued_at", "answered_at", "ended_at"):
        if fields.get(name) is not None and not hasattr(fields[name], "tzinfo"):
            fields[name] = as_datetime(fields[name])
    with transaction.atomic(savepoint=False):
        record = CallRecord.objects.get(call_id=call_id)
        for name, value in fields.items():
            setattr(record, name, value)
        update = list(fields)
        if assign_agent is not None:
            record.agent_id = assign_agent
            update.append("agent")
        if update:
            record.save(update_fields=update)
        CallStep.objects.create(
            call=record, at=when, kind=kind, agent_id=agent_id, detail=detail or {}
        )
        if (
            kind == "abandoned"
            and record.customer_id
            and record.direction == CallRecord.Direction.INBOUND
        ):
            _missed_call_on_timeline(record, when)
        if publish:
            data = _call_data(record, kind=kind, at=at)
            if kind in OFFERS and not popped:
                data["pop"] = screen_pop(record, agent_id=agent_id)
                data["pop"]["consult"] = kind != "ringing"  # called in by another agent
                data["pop"]["offered_at"] = at if offered_at is None else offered_at
                data["agent_id"] = agent_id
            events.publish(f"call.{kind}", data)


def _missed_call_on_timeline(record: CallRecord, ended: Any) -> None:
    """A known caller who hung up before anyone answered is on their timeline too: the
    agent who takes their next call sees they tried (and how long they waited)."""
    if record.queued_at is None:
        title = stored(gettext_noop("Called the hotline; left in the voice menu"))
    else:
        title = stored(
            gettext_noop("Missed call: hung up after waiting %(seconds)d s in the queue"),
            seconds=max(0, round((ended - record.queued_at).total_seconds())),
        )
    TimelineEntry.objects.create(
        customer_id=record.customer_id,
        at=record.offered_at,
        kind=TimelineEntry.Kind.CALL,
        title=in_site_language(title)[:200],
        worded={"title": title},
        ref_model="telephony.callrecord",
        ref_id=str(record.pk),
    )


def screen_pop(record: CallRecord, *, agent_id: int | None) -> dict[str, Any]:
    """What the agent's desktop shows the moment the phone rings (before answering), read
    from the database: a call the switchboard did not identify itself (rebuilt after a
    restart), a colleague's consultation or conference."""
    customer = pop_customer_for(agent_id=agent_id, customer=_pop_customer(record.customer))
    pop: dict[str, Any] = {
        "call_id": record.call_id,
        "number": mask_phone(record.caller),
        "queue": record.queue,
        "ivr_path": record.ivr_path,
        "priority": record.priority,
        "direction": record.direction,
        "customer": customer,
    }
    return pop


def offer_pop(*, agent_id: int, pop: dict[str, Any]) -> None:
    """Push the screen pop ``pop`` (built by the switchboard from memory as the phone rings)
    to the agent's desktop, with the customer their scope allows.

    The pop goes before the offer is written, outside any transaction, like the ring of the
    phone it goes with: the switchboard's memory is the live state, the rows its record
    (``offer_write`` follows; its ``call.ringing`` event is published after its commit)."""
    pop = {**pop, "customer": pop_customer_for(agent_id=agent_id, customer=pop["customer"])}
    push_send(f"agent.{agent_id}", "call.offered", pop)


def offer_write(*, agent: dict[str, Any] | None, step: dict[str, Any]) -> None:
    """An offer in one transaction: the agent reserved (if that is a change to write) and
    the call's ringing step, whose event carries a pop read from the database when the
    switchboard pushed none (``popped`` false: a call rebuilt after a restart)."""
    with transaction.atomic(savepoint=False):
        if agent is not None:
            agent_state_write(**agent)
        call_step(**step)


Write = tuple[Callable[..., Any], dict[str, Any]]


def write_together(*, first: list[Write], writes: list[Write]) -> None:
    """The writes of one switchboard event or command (``switchboard/writes.py``): ``first``
    at once (pushes), then ``writes`` in order in one transaction, each in a savepoint of its
    own so that one that fails is logged and the others are kept. (The writes' own blocks
    take no savepoint of their own, ``atomic(savepoint=False)``: on PostgreSQL each is two
    more round trips.)"""
    for fn, kwargs in first:
        _logged(fn, kwargs)
    if not writes:  # no empty transaction: on SQLite it would take the write lock
        return
    with transaction.atomic():
        for fn, kwargs in writes:
            _logged(fn, kwargs, savepoint=True)


def _logged(fn: Callable[..., Any], kwargs: dict[str, Any], *, savepoint: bool = False) -> None:
    try:
        if savepoint:
            with transaction.atomic():
                fn(**kwargs)
        else:
            fn(**kwargs)
    except Exception:
        logger.exception("switchboard write %s failed", getattr(fn, "__name__", fn))


def agent_state_write(
    *,
    agent_id: int,
    before: str,
    after: str,
    reason: str,
    at: float,
    call_id: str = "",
    calls_today: int = 0,
    by_id: int | None = None,
    wrap_up_deadline: float | None = None,
) -> None:
    when = as_datetime(at)
    status = {
        "state": after,
        "reason": reason,
        "since": when,
        "call_id": call_id,
        "calls_today": calls_today,
    }
    with transaction.atomic(savepoint=False):
        # One UPDATE (the switchboard is the row's only writer), not update_or_create's
        # SELECT ... FOR UPDATE and save; the agent's first change creates the row.
        if not AgentStatus.objects.filter(agent_id=agent_id).update(**status):
            AgentStatus.objects.create(agent_id=agent_id, **status)
        AgentStateLog.objects.create(
            agent_id=agent_id,
            at=when,
            from_state=before,
            to_state=after,
            reason=reason,
            call_id=call_id,
            by_id=by_id,
        )
        events.publish(
            "agent.state_changed",
            {
                "agent_id": agent_id,
                "before": before,
                "state": after,
                "reason": reason,
                "call_id": call_id,
                "at": at,
                "by_id": by_id,
                "calls_today": calls_today,
                "wrap_up_deadline": wrap_up_deadline,
            },
        )


def wrap_up_timeout_write(*, call_id: str, agent_id: int, at: float) -> None:
    """The agent's wrap-up limit ran out before they saved the call: it is recorded as
    "no disposition, wrap-up timed out" (unless their wrap-up was saved meanwhile)."""
    with transaction.atomic(savepoint=False):
        record = CallRecord.objects.filter(call_id=call_id).first()
        if record is None or record.steps.filter(agent_id=agent_id, kind="wrapped_up").exists():
            return
        CallStep.objects.create(
            call=record, at=as_datetime(at), kind="wrap_up_timed_out", agent_id=agent_id
        )
        if not record.wrap_up_timed_out:
            record.wrap_up_timed_out = True
            record.save(update_fields=["wrap_up_timed_out"])
        if record.customer_id:
            from hotline.routing.services import call_on_timeline

            agent = User.objects.get(pk=agent_id)
            call_on_timeline(record, by=agent, disposition=None, note="", timed_out=True)
        events.publish(
            "call.wrap_up_timed_out",
            {"call_id": call_id, "agent_id": agent_id, "customer_id": record.customer_id},
        )


def callback_write(*, call_id: str, **fields: Any) -> None:
    if "entered_at" in fields and not hasattr(fields["entered_at"], "tzinfo"):
        fields["entered_at"] = as_datetime(fields["entered_at"])
    with transaction.atomic(savepoint=False):
        CallbackRequest.objects.update_or_create(call_id=call_id, defaults=fields)
        events.publish("callback.changed", {"call_id": call_id, "state": fields.get("state", "")})


def recording_attach(*, call_id: str, path: str, seconds: float) -> None:
    CallRecord.objects.filter(call_id=call_id).update(recording=path, recording_seconds=seconds)
