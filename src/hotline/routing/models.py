"""Switchboard configuration (skills, queues, reasons, IVR flows) and its durable state
(agents' current state and state log, callback requests, the demo traffic switch)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import BilingualLabel
from hotline.audit.record import AuditedModel
from hotline.routing.domain.agents import AgentState
from hotline.routing.domain.routing import Strategy


class Skill(AuditedModel, BilingualLabel):
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]


class Queue(AuditedModel, BilingualLabel):
    class StrategyChoice(models.TextChoices):
        LONGEST_IDLE = Strategy.LONGEST_IDLE, _("Longest idle")
        FEWEST_CALLS = Strategy.FEWEST_CALLS, _("Fewest calls today")
        SKILLS = Strategy.SKILLS, _("Highest skill level")
        ROUND_ROBIN = Strategy.ROUND_ROBIN, _("Round robin")
        STICKY = Strategy.STICKY, _("Last agent of the customer")
        RING_ALL = Strategy.RING_ALL, _("Ring all")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.PROTECT)
    strategy = models.CharField(
        _("strategy"),
        max_length=16,
        choices=StrategyChoice.choices,
        default=StrategyChoice.LONGEST_IDLE,
    )
    min_proficiency = models.PositiveSmallIntegerField(_("minimum skill level"), default=1)
    overflow_after = models.PositiveIntegerField(_("overflow after (s)"), null=True, blank=True)
    overflow_to = models.ForeignKey(
        "self", verbose_name=_("overflow to"), null=True, blank=True, on_delete=models.SET_NULL
    )
    ring_timeout = models.PositiveIntegerField(_("ring time-out (s)"), default=20)
    wrap_up_limit = models.PositiveIntegerField(_("wrap-up limit (s)"), default=60)
    disposition_required = models.BooleanField(
        _("disposition required at wrap-up"),
        default=True,
        help_text=_(
            "An agent ends the wrap-up of this queue's calls only with a disposition (statistic"
            " item). When the wrap-up limit runs out the call is recorded without one."
        ),
    )
    sticky_hours = models.PositiveIntegerField(_("sticky agent for (hours)"), default=24)
    avg_handle = models.PositiveIntegerField(_("average handling time (s)"), default=180)
    announce_position = models.BooleanField(_("announce position and wait"), default=True)
    # Call scripts (knowledge app) attach to queues through their own table: the hook is
    # ``hotline.routing.hooks.call_script_for(call)``.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["code"]


class AgentSkill(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="agent_skills",
    )
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.CASCADE)
    proficiency = models.PositiveSmallIntegerField(_("level"), default=3)

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique")]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.skill_id}={self.proficiency}"


class NotReadyReason(AuditedModel, BilingualLabel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("not-ready reason")
        verbose_name_plural = _("not-ready reasons")
        ordering = ["sort_order", "code"]


STATE_CHOICES = [
    (AgentState.LOGGED_OUT, _("Logged out")),
    (AgentState.READY, _("Ready")),
    (AgentState.NOT_READY, _("Not ready")),
    (AgentState.RESERVED, _("Ringing")),
    (AgentState.TALKING, _("Talking")),
    (AgentState.HOLDING, _("Holding")),
    (AgentState.WRAP_UP, _("Wrap-up")),
]


class AgentStatus(models.Model):
    """An agent's current state as the switchboard last wrote it (rebuilt from on restart)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="agent_status",
    )
    state = models.CharField(_("state"), max_length=12, choices=STATE_CHOICES)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    since = models.DateTimeField(_("since"))
    call_id = models.CharField(_("call"), max_length=40, blank=True)
    calls_today = models.PositiveIntegerField(_("calls today"), default=0)

    class Meta:
        verbose_name = _("agent status")
        verbose_name_plural = _("agent statuses")
        permissions = [
            ("use_desktop", _("Take calls on the agent desktop")),
            ("supervise_agents", _("Watch agents live and change their states")),
            ("manage_traffic", _("Switch simulated callers on and off")),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state}"


class AgentStateLog(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    from_state = models.CharField(_("from"), max_length=12, choices=STATE_CHOICES)
    to_state = models.CharField(_("to"), max_length=12, choices=STATE_CHOICES)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    call_id = models.CharField(_("call"), max_length=40, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "-at"], name="agentlog_agent_at_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.from_state}->{self.to_state}"


class IvrFlow(AuditedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    number = models.CharField(_("called number"), max_length=32, blank=True)
    # The admins' work in progress, edited node by node; published as the next version.
    draft = models.JSONField(_("draft"), null=True, blank=True)

    audit_exclude = {"draft"}  # each edit is recorded by the service, not as a JSON diff

    class Meta:
        verbose_name = _("IVR flow")
        verbose_name_plural = _("IVR flows")
        ordering = ["code"]
        permissions = [("publish_ivrflow", _("Publish IVR flows"))]

    def __str__(self) -> str:
        return self.name

    def published(self) -> IvrFlowVersion | None:
        return self.versions.filter(published_at__isnull=False).order_by("-version").first()


class IvrFlowVersion(models.Model):
    flow = models.ForeignKey(
        IvrFlow, verbose_name=_("flow"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    tree = models.JSONField(_("tree"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("IVR flow version")
        verbose_name_plural = _("IVR flow versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "version"], name="ivrversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.flow_id} v{self.version}"


class CallbackRequest(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for its turn")
        OFFERED = "offered", _("Offered to an agent")
        DIALING = "dialing", _("Dialing")
        ANSWERED = "answered", _("Answered")
        RETRY = "retry", _("To retry")
        FAILED = "failed", _("Failed")

    call_id = models.CharField(_("call"), max_length=40, unique=True)
    number = models.CharField(_("number"), max_length=32)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    queue = models.CharField(_("queue"), max_length=40)
    priority = models.IntegerField(_("priority"), default=0)
    entered_at = models.DateTimeField(_("place in the queue since"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        ordering = ["entered_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.state}"


class TrafficSetting(AuditedModel):
    """The demo's simulated callers, switched on by a team lead or admin (one row)."""

    enabled = models.BooleanField(_("simulated callers on"), default=False)
    calls_per_hour = models.PositiveIntegerField(_("calls per hour"), default=120)
    known_share = models.PositiveSmallIntegerField(_("known customers (%)"), default=70)
    ivr_mix = models.CharField(
        _("IVR key mix"),
        max_length=200,
        default="1:60,2:25,3:10,0:5",
        help_text=_("Keys pressed at the main menu with their weights, e.g. 1:60,2:25."),
    )

    class Meta:
        verbose_name = _("simulated traffic")
        verbose_name_plural = _("simulated traffic")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
