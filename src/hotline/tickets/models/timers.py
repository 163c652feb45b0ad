"""Timers: due moments of open orders, fired once by the periodic scan."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TicketTimer(models.Model):
    """One thing to do at ``due_at`` for an order (reassign, escalate, warn, breach).

    The scan claims a pending row with a conditional UPDATE inside the same transaction as
    the handler's changes and the row's own "done" mark, so a timer's effect and its firing
    commit together: a worker killed half-way leaves the row pending for the next scan.
    """

    class Kind(models.TextChoices):
        ACCEPT = "accept", _("Technician must accept")
        OWNER = "owner", _("Escalated owner must act")
        WARNING = "warning", _("Warn before the resolution deadline")
        BREACH = "breach", _("Resolution deadline")
        REMIND = "remind", _("Remind the top of the chain")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Fired")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="timers",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # What the timer was set for ("accept:<technician>:<dispatched at>" …): the scan fires
    # it only while the order still wants a timer with this key; otherwise it is stale.
    key = models.CharField(_("key"), max_length=120)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    fired_by = models.CharField(_("fired by"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("order timer")
        verbose_name_plural = _("order timers")
        ordering = ["due_at", "id"]
        indexes = [
            # The scan reads (status = pending, due_at <= now) as one index range: its cost
            # follows the due timers, not the number of orders ever opened.
            models.Index(fields=["status", "due_at"], name="tickettimer_due_idx"),
            models.Index(fields=["ticket", "status"], name="tickettimer_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.due_at:%Y-%m-%d %H:%M}"
