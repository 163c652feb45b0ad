"""SLA deadlines on the business calendar, table-driven across 2025–2027: weekends, public
holidays, make-up working days (调休), year ends, a missing year, pauses."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from hotline.calendars.models import HolidayDay, HolidayYear
from hotline.calendars.services import holiday_day_save, holiday_year_save
from hotline.tickets.services.deadlines import sla_recompute_provisional
from hotline.tickets.services.transitions import ticket_pause, ticket_resume
from tests.tickets.conftest import T0

pytestmark = pytest.mark.django_db
SH = datetime.timezone(datetime.timedelta(hours=8))


def set_resolution(desk, amount, unit) -> None:
    desk.normal.resolution_amount, desk.normal.resolution_unit = Decimal(amount), unit
    desk.normal.save()


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


# (opened, amount, unit, expected deadline, provisional) on the default office calendar:
# Monday to Friday 08:30–12:00 and 13:30–17:30, the State Council's 2025 and 2026 schedules.
CASES = [
    # National Day 2025: Oct 1–8 off, Sat Oct 11 a make-up working day.
    (at(2025, 9, 30, 10, 0), 3, "working_days", at(2025, 10, 11, 17, 30), False),
    # Sun Sep 28 2025 is a make-up working day: opened Saturday, it is the first day counted.
    (at(2025, 9, 27, 10, 0), 1, "working_days", at(2025, 9, 28, 17, 30), False),
    # Spring Festival 2026: Sat Feb 14 worked, Feb 15–23 off.
    (at(2026, 2, 13, 10, 0), 3, "working_days", at(2026, 2, 25, 17, 30), False),
    # Across the year end: Jan 1–3 2026 off, Sun Jan 4 worked.
    (at(2025, 12, 31, 16, 0), 8, "working_hours", at(2026, 1, 4, 16, 30), False),
    # Lunch break and weekend: Friday 11:00 + 6 working hours = Monday 09:30.
    (at(2026, 3, 6, 11, 0), 6, "working_hours", at(2026, 3, 9, 9, 30), False),
    # Calendar hours ignore holidays: 48 h is 48 h.
    (at(2025, 9, 30, 10, 0), 48, "hours", at(2025, 10, 2, 10, 0), False),
    (at(2026, 2, 14, 20, 0), 24, "hours", at(2026, 2, 15, 20, 0), False),
    # 2027's schedule is not published in this release: counted on weekends, provisional.
    (at(2026, 12, 30, 10, 0), 3, "working_days", at(2027, 1, 4, 17, 30), True),
    (at(2026, 12, 31, 17, 0), 1, "working_hours", at(2027, 1, 1, 9, 0), True),
]


@pytest.mark.parametrize(("opened", "amount", "unit", "expected", "provisional"), CASES)
def test_resolution_deadline_on_the_business_calendar(
    desk, open_order, opened, amount, unit, expected, provisional
):
    set_resolution(desk, Decimal(amount), unit)
    ticket = open_order(now=opened)
    assert ticket.resolution_due_at == expected
    assert ticket.sla_provisional is provisional
    assert ticket.history.filter(action="sla_provisional").exists() is provisional


def test_a_provisional_deadline_is_recomputed_once_the_year_is_entered(desk, open_order):
    set_resolution(desk, 3, "working_days")
    ticket = open_order(now=at(2026, 12, 30, 10, 0))
    assert ticket.sla_provisional and ticket.resolution_due_at == at(2027, 1, 4, 17, 30)
    assert sla_recompute_provisional() == 0  # still missing: nothing to do
    holiday_day_save(
        day=HolidayDay(day=datetime.date(2027, 1, 1), kind="holiday", name="元旦"), by=None
    )
    holiday_year_save(year=HolidayYear(year=2027, source="test"), by=None)
    assert sla_recompute_provisional() == 1
    ticket.refresh_from_db()
    assert not ticket.sla_provisional
    assert ticket.resolution_due_at == at(2027, 1, 5, 17, 30)  # Jan 1 is now a holiday
    assert ticket.timers.get(kind="breach", status="pending").due_at == ticket.resolution_due_at
    assert ticket.history.filter(action="sla_recomputed").count() == 1


def test_pending_customer_moves_a_working_time_deadline_by_the_working_time_paused(
    desk, open_order
):
    from hotline.tickets.services.dispatching import ticket_dispatch
    from hotline.tickets.services.transitions import ticket_accept

    set_resolution(desk, 8, "working_hours")
    ticket = open_order(now=T0)  # Monday 2026-03-02 09:00: due Tuesday 09:30
    assert ticket.resolution_due_at == at(2026, 3, 3, 9, 30)
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher, now=T0)
    ticket = ticket_accept(ticket=ticket, by=desk.tech_a.user, now=T0)
    # Paused Monday 16:30 (1 working hour left until the close, 1.5 h the next morning)…
    ticket = ticket_pause(
        ticket=ticket, by=desk.tech_a.user, note="客户出差", now=at(2026, 3, 2, 16, 30)
    )
    # … resumed Thursday 10:00: the 2 working hours left run from there.
    ticket = ticket_resume(ticket=ticket, by=desk.tech_a.user, now=at(2026, 3, 5, 10, 0))
    assert ticket.resolution_due_at == at(2026, 3, 5, 12, 0)
