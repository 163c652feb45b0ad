"""Reads for the desktop and the supervisor's pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.catalog.models import StatisticItem
from hotline.customers.models import ServiceAccount, Subscription
from hotline.customers.selectors import customer_if_visible, customer_timeline
from hotline.periods import within_days
from hotline.routing import hooks, labels
from hotline.routing.models import AgentSkill, AgentStatus, NotReadyReason, Queue
from hotline.telephony.models import CallRecord, CallStep


def ivr_choice_names() -> dict[str, str]:
    """Every IVR choice of the published flows (``ivr.choice_names``) → how to show it."""
    from hotline.routing.domain.ivr import choice_names
    from hotline.routing.models import IvrFlowVersion

    shown: dict[str, str] = {}
    published = IvrFlowVersion.objects.filter(published_at__isnull=False)
    latest = published.filter(
        version=Subquery(
            published.filter(flow_id=OuterRef("flow_id")).order_by("-version").values("version")[:1]
        )
    )
    for tree in latest.order_by("flow__code").values_list("tree", flat=True):
        for code, (label, digit, option) in choice_names(tree or {}).items():
            if digit:
                text = _("%(menu)s, key %(digit)s: %(option)s") % {
                    "menu": label,
                    "digit": digit,
                    "option": option,
                }
            else:
                text = label
            shown.setdefault(code, text)
    return shown


def agents_with_skills() -> QuerySet[User]:
    return User.objects.filter(is_active=True, agent_skills__isnull=False).distinct()


def supervised_agents(user: Any) -> QuerySet[User]:
    """Team leads see the agents of the teams they lead; managers and admins (roles whose
    scope is the whole site) see every agent."""
    agents = agents_with_skills()
    role = getattr(user, "role", None)
    if user.is_superuser or (role is not None and role.all_regions):
        return agents
    return agents.filter(Q(team__lead=user))


def get_supervised_agent_for(user: Any, pk: int) -> User:
    agent = supervised_agents(user).filter(pk=pk).first()
    if agent is None:
        raise Http404
    return agent


def agent_queues(user: Any) -> list[Queue]:
    skills = AgentSkill.objects.filter(agent=user).values_list("skill_id", flat=True)
    return list(Queue.objects.filter(skill_id__in=list(skills), active=True))


def all_queues() -> list[Queue]:
    return list(Queue.objects.filter(active=True))


def not_ready_reasons() -> list[NotReadyReason]:
    return list(NotReadyReason.objects.filter(active=True))


OFFERED_TO = (
    "ringing",
    "consulting",
    "answered",
    "consult_ringing",
    "consult_answered",
    "conference_ringing",
    "conference_joined",
)


def disposition_required(call: CallRecord) -> bool:
    """Whether wrap-up of ``call`` needs a disposition: yes unless its queue makes it
    optional, or no statistic item for calls is there to choose from."""
    if call.queue and Queue.objects.filter(code=call.queue, disposition_required=False).exists():
        return False
    return StatisticItem.objects.active().for_calls().exists()


def wrap_up_owed(agent: Any) -> CallRecord | None:
    """The call the agent is wrapping up and still owes a disposition for, if any: they may
    not leave wrap-up (ready, not ready, log out) before saving it; the limit still ends it."""
    status = AgentStatus.objects.filter(agent=agent, state="wrap_up").exclude(call_id="").first()
    if status is None:
        return None
    call = CallRecord.objects.filter(call_id=status.call_id).first()
    if call is None or call.steps.filter(agent=agent, kind="wrapped_up").exists():
        return None
    return call if disposition_required(call) else None


def call_for_desk(user: Any, call_id: str) -> CallRecord:
    """A call the agent was offered or took (404 otherwise): the screen pop and wrap-up.

    The offer and the record are read in one statement, so from one snapshot: the record
    found with the offer holds the queue and IVR choices written with or before it (the pop
    reaches the desk before the switchboard's writer commits, decision 0023, and the desk
    asks again until the offer is there)."""
    offers = CallStep.objects.filter(call=OuterRef("pk"), kind__in=OFFERED_TO, agent=user)
    call = (
        CallRecord.objects.filter(call_id=call_id)
        .annotate(offered=Exists(offers))
        .select_related("customer", "customer__region", "disposition")
        .first()
    )
    if call is None or not (call.offered or call.agent_id == user.pk):
        raise Http404
    return call


def screen_pop(user: Any, call: CallRecord) -> dict[str, Any]:
    """What the desktop shows of a call, before and after answering: the caller's customer
    (within the agent's scope) with accounts, last interactions, open orders and the area
    fault of their region; the IVR path; the queue; the call script."""
    # The call's customer as read with it (``call_for_desk``), if the agent's scope allows.
    customer = customer_if_visible(user, call.customer) if call.customer_id else None
    accounts: list[ServiceAccount] = []
    if customer is not None:
        accounts = list(
            ServiceAccount.objects.filter(customer=customer).prefetch_related(
                Prefetch(
                    "subscriptions",
                    queryset=Subscription.objects.filter(status=Subscription.Status.ACTIVE),
                )
            )[:3]
        )
    queues = labels.queue_labels()
    return {
        "call": call,
        "customer": customer,
        "accounts": accounts,
        "timeline": customer_timeline(customer=customer, limit=5) if customer else [],
        "area_fault": hooks.area_fault(customer.region_id) if customer else None,
        "open_orders": hooks.open_orders(customer),
        "orders_known": hooks.open_orders_known(),
        "queue_label": queues.get(call.queue, call.queue),
        "ivr_steps": labels.ivr_path_steps(call.ivr_path, queues),
        "script": hooks.call_script_for(call),
        "work_order_url": hooks.work_order_url(call),
    }


def recent_calls(user: Any, limit: int = 8) -> list[CallRecord]:
    return list(
        CallRecord.objects.filter(agent=user)
        .select_related("customer", "disposition")
        .order_by("-offered_at")[:limit]
    )


def transfer_agents(user: Any, limit: int = 200) -> QuerySet[User]:
    """Agents a call may be handed to: those sharing a skill with ``user``."""
    skills = AgentSkill.objects.filter(agent=user).values("skill_id")
    return (
        agents_with_skills()
        .filter(agent_skills__skill_id__in=skills)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")[:limit]
    )


INSPECT_CALLS = "telephony.view_callrecord"


def calls_visible_to(user: Any) -> QuerySet[CallRecord]:
    """The calls ``user`` may list and open (the call log, a call's page, its recording).

    - QA inspectors (``telephony.view_callrecord``): every call of their regions' customers
      and every call from an unknown number;
    - supervisors: the calls of the agents they supervise, and calls no agent took;
    - agents: their own calls.
    """
    from hotline.accounts.scope import regions_in_scope
    from hotline.routing.subscribers import SUPERVISE, USE_DESKTOP

    calls = CallRecord.objects.all()
    if user.has_perm(INSPECT_CALLS):
        scope = regions_in_scope(user)
        if scope is None:
            return calls
        return calls.filter(Q(customer__region_id__in=scope) | Q(customer__isnull=True))
    allowed = Q(pk__in=[])
    if user.has_perm(SUPERVISE):
        allowed |= Q(agent__isnull=True) | Q(agent__in=supervised_agents(user).values("pk"))
    if user.has_perm(USE_DESKTOP):
        allowed |= Q(agent=user)
    return calls.filter(allowed)


def call_log(
    user: Any,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    state: str = "",
    queue: str = "",
    number: str = "",
    agent: str = "",
    recorded: bool = False,
) -> QuerySet[CallRecord]:
    """The calls ``user`` may see matching the filters, newest first. ``number``: the
    caller's number or its last digits; ``agent``: part of the agent's user name."""
    calls = calls_visible_to(user).select_related("customer", "agent", "disposition")
    calls = calls.filter(within_days("offered_at", date_from, date_to))
    if state:
        calls = calls.filter(state=state)
    if queue:
        calls = calls.filter(queue=queue)
    if number:
        calls = calls.filter(caller__endswith=number)
    if agent:
        calls = calls.filter(agent__username__icontains=agent)
    if recorded:
        calls = calls.exclude(recording="")
    return calls.order_by("-offered_at", "-id")
