"""Wiring done once at start-up (``TicketsConfig.ready``): permissions, menu, events, jobs."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from hotline.tickets import apps as perms


def register_permissions() -> None:
    from hotline.accounts.roles import register_role_permissions

    desk = [perms.VIEW, perms.OPEN, perms.VERIFY, perms.PAUSE, perms.VIEW_AREA_FAULT]
    dispatch = [
        *desk,
        perms.DISPATCH,
        perms.CANCEL,
        perms.REOPEN,
        perms.CLOSE,
        perms.AREA_FAULT,
        perms.CHARGE,
    ]
    register_role_permissions(
        "tickets",
        {
            "agent": desk,
            "team_lead": [*dispatch, perms.REPORTS],
            "dispatcher": dispatch,
            "technician": [perms.VIEW, perms.WORK, perms.PAUSE, perms.CHARGE],
            "qa_inspector": [perms.VIEW, perms.VIEW_AREA_FAULT],
            "manager": [perms.VIEW, perms.VIEW_AREA_FAULT, perms.REPORTS, perms.SETTLEMENT],
        },
    )


def is_technician(user: Any) -> bool:
    """``user`` has a technician profile (an admin may work orders, but has no phone list)."""
    from hotline.accounts.models import Technician
    from hotline.config_cache import config_cached

    users = config_cached(
        "technician_users",
        None,
        lambda: frozenset(Technician.objects.values_list("user_id", flat=True)),
    )
    return user.pk in users


def register_menu() -> None:
    from hotline.accounts.menu import MenuEntry, register_menu

    register_menu(
        MenuEntry(
            "myorders",
            _("My orders"),
            "tickets:my_orders",
            perms.WORK,
            description=_("Your work orders for today: accept, arrive, resolve."),
            when=is_technician,
        ),
        order=50,
    )
    register_menu(
        MenuEntry(
            "dispatch",
            _("Dispatch board"),
            "tickets:board",
            perms.DISPATCH,
            description=_("Open orders of your regions by state and SLA risk; dispatch them."),
        ),
        order=60,
    )
    register_menu(
        MenuEntry(
            "orders",
            _("Work orders"),
            "tickets:list",
            perms.VIEW,
            description=_("Find a work order by number; follow its history."),
        ),
        order=155,
    )
    register_menu(
        MenuEntry(
            "faults",
            _("Area faults"),
            "tickets:faults",
            perms.VIEW_AREA_FAULT,
            description=_("Major faults of a whole area, and the callers linked to them."),
        ),
        order=160,
    )
    register_menu(
        MenuEntry(
            "orderreports",
            _("Work-order figures"),
            "tickets:reports",
            perms.REPORTS,
            description=_("On-time rate, repeat repairs, orders by type, region and technician."),
        ),
        order=600,
    )


def register_events() -> None:
    from hotline import events
    from hotline.push.topics import register_topic
    from hotline.tickets import subscribers

    events.subscribe("ticket.*", subscribers.sync_timers, phase="transaction")
    events.subscribe("ticket.*", subscribers.timeline_entry, phase="transaction")
    events.subscribe("ticket.*", subscribers.push_ticket_event)
    events.subscribe("area_fault.*", subscribers.area_fault_followups)
    register_topic("ticketboard", subscribers.board_topic_allowed)
    register_topic("ticket", subscribers.ticket_topic_allowed)

    from hotline.integrations.sms.links import register_link_kind
    from hotline.tickets.notify import LINK_KIND
    from hotline.tickets.views.field import open_link

    register_link_kind(LINK_KIND, open_link)


def register_jobs() -> None:
    from hotline.scheduler.registry import register_periodic
    from hotline.tickets.tasks import tickets_timers

    register_periodic("tickets.timers", tickets_timers, every=datetime.timedelta(seconds=30))


def register_all() -> None:
    register_permissions()
    register_menu()
    register_events()
    register_jobs()
    register_desk_hooks()


def register_desk_hooks() -> None:
    """The agent desktop's "open work order" link and the IVR's area-fault announcement."""
    try:
        from hotline.routing import hooks
    except ImportError:
        return
    hooks.set_work_order_url(work_order_url_for_call)
    hooks.set_area_fault_provider(area_fault_text)


def work_order_url_for_call(call: object) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    customer_id = getattr(call, "customer_id", None)
    params = {"customer": customer_id} if customer_id else {}
    if getattr(call, "call_id", ""):
        params["call"] = call.call_id
    url = reverse("tickets:new")
    return f"{url}?{urlencode(params)}" if params else url


def area_fault_text(region_id: int) -> str | None:
    """What the IVR and the screen pop say about an open area fault of the caller's region."""
    from django.utils import timezone
    from django.utils.translation import gettext

    from hotline.accounts.models import Region
    from hotline.config_cache import config_cached
    from hotline.tickets.models import AreaFault

    def newest_open() -> tuple:  # (title, expected end) or (): none (kept like any answer)
        region = Region.objects.filter(pk=region_id).first()
        fault = (
            AreaFault.objects.affecting(region).order_by("-declared_at").first() if region else None
        )
        return (fault.title, fault.expected_end_at) if fault else ()

    # Every screen pop and IVR call asks; the answer is kept until an area fault changes.
    fault = config_cached("area_fault", region_id, newest_open)
    if not fault:
        return None
    title, expected_end_at = fault
    if expected_end_at:
        return gettext("%(title)s; expected to be repaired by %(time)s.") % {
            "title": title,
            "time": timezone.localtime(expected_end_at).strftime("%H:%M"),
        }
    return title
