"""Call records: one row per call, one row per step with its time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Why a call ended, as the switchboard and the demo record it (``end_reason``): shown to
# people in their language. A cause a PBX reports that is not listed here is shown as it came.
END_REASONS = {
    "abandoned": _("caller hung up before an agent answered"),
    "caller": _("caller hung up"),
    "normal": _("caller hung up"),
    "agent_hangup": _("agent hung up"),
    "transferred_out": _("transferred to another number"),
    "no_queue": _("no queue to take the call"),
    "ivr_end": _("ended in the IVR"),
    "callback_requested": _("caller asked to be called back"),
    "switchboard_restart": _("switchboard restarted"),
    "lost": _("the switch no longer knew the call"),
}


class CallRecord(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        IVR = "ivr", _("In the IVR")
        QUEUED = "queued", _("Queued")
        RINGING = "ringing", _("Ringing")
        TALKING = "talking", _("Talking")
        HELD = "held", _("On hold")
        CALLBACK = "callback", _("Callback requested")
        ENDED = "ended", _("Ended")
        ABANDONED = "abandoned", _("Abandoned")

    class HungUpBy(models.TextChoices):
        CALLER = "caller", _("Caller")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    call_id = models.CharField(_("call id"), max_length=40, unique=True)
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    caller = models.CharField(_("caller number"), max_length=32)
    called = models.CharField(_("called number"), max_length=32, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    queue = models.CharField(_("queue"), max_length=40, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    ivr_path = models.JSONField(_("IVR path"), default=list, blank=True)
    offered_at = models.DateTimeField(_("offered at"))
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=40, blank=True)
    hung_up_by = models.CharField(
        _("hung up by"), max_length=8, choices=HungUpBy.choices, blank=True
    )
    disposition = models.ForeignKey(
        "catalog.StatisticItem",
        verbose_name=_("disposition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    wrapped_up_at = models.DateTimeField(_("wrapped up at"), null=True, blank=True)
    # The wrap-up limit ran out before the agent saved the call (no disposition then).
    wrap_up_timed_out = models.BooleanField(_("wrap-up timed out"), default=False)
    recording = models.CharField(_("recording"), max_length=200, blank=True)
    recording_seconds = models.FloatField(_("recording length"), default=0)

    # Shown masked; unmasked only through the audited reveal (``personal_data_reveal``).
    personal_fields = ("caller",)

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-offered_at", "-id"]
        indexes = [
            models.Index(
                fields=["state"], name="call_open_idx", condition=models.Q(ended_at__isnull=True)
            ),
            models.Index(fields=["-offered_at", "-id"], name="call_offered_idx"),  # the log
            models.Index(fields=["agent", "-offered_at"], name="call_agent_idx"),
            models.Index(fields=["customer", "-offered_at"], name="call_customer_idx"),
            models.Index(fields=["caller", "-offered_at"], name="call_caller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.offered_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def end_reason_label(self) -> str:
        """Why the call ended in the reader's language (a PBX's own cause as it came)."""
        return str(END_REASONS.get(self.end_reason, self.end_reason))


class CallStep(models.Model):
    """Offered, IVR step, queued, ringing, answered, held, transferred, ended, abandoned…"""

    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="steps"
    )
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=24)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("call step")
        verbose_name_plural = _("call steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"], name="callstep_call_at_idx")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"
