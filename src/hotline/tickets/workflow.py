"""The work-order workflow: every state and every allowed transition, in one table.

Plain Python (no database): the services in ``services/transitions.py`` look a transition
up here, check its permission and source state, and only then change the order. Anything
not in ``TRANSITIONS`` is refused with ``IllegalTransition``, whose message names both
states.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket state", "New")
    DISPATCHED = "dispatched", pgettext_lazy("ticket state", "Dispatched")
    ACCEPTED = "accepted", pgettext_lazy("ticket state", "Accepted")
    ON_SITE = "on_site", pgettext_lazy("ticket state", "On site")
    PENDING_CUSTOMER = "pending_customer", pgettext_lazy("ticket state", "Pending customer")
    RESOLVED = "resolved", pgettext_lazy("ticket state", "Resolved")
    VERIFIED = "verified", pgettext_lazy("ticket state", "Verified by callback")
    CLOSED = "closed", pgettext_lazy("ticket state", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("ticket state", "Cancelled")
    REOPENED = "reopened", pgettext_lazy("ticket state", "Reopened")


# Orders somebody still has to work on (the board, loads, escalation).
OPEN_STATES: frozenset[str] = frozenset(
    {
        State.NEW,
        State.DISPATCHED,
        State.ACCEPTED,
        State.ON_SITE,
        State.PENDING_CUSTOMER,
        State.REOPENED,
    }
)
# Orders that count against a technician's load.
WORKING_STATES: frozenset[str] = frozenset(
    {State.DISPATCHED, State.ACCEPTED, State.ON_SITE, State.PENDING_CUSTOMER}
)
FINAL_STATES: frozenset[str] = frozenset({State.CLOSED, State.CANCELLED})

# The target "previous" means: back to the state the order was paused from.
PREVIOUS = "previous"

# Permissions (``tickets.<codename>``), declared on ``Ticket.Meta.permissions``.
PERM_OPEN = "tickets.add_ticket"
PERM_DISPATCH = "tickets.dispatch_ticket"
PERM_WORK = "tickets.work_ticket"
PERM_VERIFY = "tickets.verify_ticket"
PERM_CLOSE = "tickets.close_ticket"
PERM_CANCEL = "tickets.cancel_ticket"
PERM_REOPEN = "tickets.reopen_ticket"
PERM_PAUSE = "tickets.pause_ticket"
PERM_AREA_FAULT = "tickets.manage_areafault"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    permission: str
    label: object
    # The person doing it must be the order's technician (technician actions on the phone).
    assignee_only: bool = False
    note_required: bool = False


def _t(
    name: str,
    sources: set[str],
    target: str,
    permission: str,
    label: object,
    *,
    assignee_only: bool = False,
    note_required: bool = False,
) -> Transition:
    return Transition(
        name, frozenset(sources), target, permission, label, assignee_only, note_required
    )


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t(
            "dispatch",
            {State.NEW, State.REOPENED},
            State.DISPATCHED,
            PERM_DISPATCH,
            _("Dispatch"),
        ),
        # Re-dispatch: to another technician, with a reason.
        _t(
            "redispatch",
            {State.DISPATCHED, State.ACCEPTED, State.ON_SITE, State.PENDING_CUSTOMER},
            State.DISPATCHED,
            PERM_DISPATCH,
            _("Re-dispatch"),
            note_required=True,
        ),
        _t(
            "accept", {State.DISPATCHED}, State.ACCEPTED, PERM_WORK, _("Accept"), assignee_only=True
        ),
        _t("arrive", {State.ACCEPTED}, State.ON_SITE, PERM_WORK, _("Arrived"), assignee_only=True),
        _t(
            "resolve",
            {State.ACCEPTED, State.ON_SITE},
            State.RESOLVED,
            PERM_WORK,
            _("Resolve"),
            assignee_only=True,
        ),
        _t(
            "pause",
            {State.DISPATCHED, State.ACCEPTED, State.ON_SITE},
            State.PENDING_CUSTOMER,
            PERM_PAUSE,
            _("Pending customer"),
            note_required=True,
        ),
        _t("resume", {State.PENDING_CUSTOMER}, PREVIOUS, PERM_PAUSE, _("Resume")),
        _t("verify", {State.RESOLVED}, State.VERIFIED, PERM_VERIFY, _("Verified by callback")),
        _t("close", {State.VERIFIED}, State.CLOSED, PERM_CLOSE, _("Close")),
        _t(
            "cancel",
            {
                State.NEW,
                State.DISPATCHED,
                State.ACCEPTED,
                State.ON_SITE,
                State.PENDING_CUSTOMER,
                State.REOPENED,
            },
            State.CANCELLED,
            PERM_CANCEL,
            _("Cancel"),
            note_required=True,
        ),
        _t(
            "reopen",
            {State.RESOLVED, State.VERIFIED, State.CLOSED},
            State.REOPENED,
            PERM_REOPEN,
            _("Reopen"),
            note_required=True,
        ),
        # An area fault's repair resolves every report linked to it, whatever its state.
        _t(
            "fault_resolve",
            {
                State.NEW,
                State.DISPATCHED,
                State.ACCEPTED,
                State.ON_SITE,
                State.PENDING_CUSTOMER,
                State.REOPENED,
            },
            State.RESOLVED,
            PERM_AREA_FAULT,
            _("Resolved with the area fault"),
        ),
    )
}


class IllegalTransition(Exception):
    """A transition that the table does not allow from the order's current state."""

    code = "illegal_transition"

    def __init__(self, action: str, state: str, target: str | None = None) -> None:
        self.action = action
        self.state = state
        self.target = target
        super().__init__(str(self.message))

    @property
    def message(self) -> str:
        from django.utils.translation import gettext

        source = state_label(self.state)
        if self.target is None:
            return gettext('Unknown action "%(action)s" for an order in state %(state)s.') % {
                "action": self.action,
                "state": source,
            }
        known = TRANSITIONS.get(self.action)
        return gettext(
            "An order cannot go from %(source)s to %(target)s (%(action)s is not allowed "
            "in state %(source)s)."
        ) % {
            "source": source,
            "target": state_label(self.target),
            "action": str(known.label) if known else self.action,
        }


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def transition_for(action: str, state: str, *, paused_from: str = "") -> tuple[Transition, str]:
    """The transition ``action`` from ``state`` and the state it leads to, or raise."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(action, state)
    previous = transition.target == PREVIOUS
    target = (paused_from or State.DISPATCHED) if previous else transition.target
    if state not in transition.sources:
        raise IllegalTransition(action, state, target)
    return transition, target


def allowed_actions(state: str) -> list[Transition]:
    """Transitions the table allows from ``state`` (permissions are checked separately)."""
    return [t for t in TRANSITIONS.values() if state in t.sources]
