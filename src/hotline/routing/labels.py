"""What users read for the switchboard's codes: agent states, system reasons, IVR node kinds,
call steps. Pages hand these to their scripts, so a pushed update (which carries codes, as
one push reaches users of either language) is shown in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.routing.models import NotReadyReason, Queue

# As the softphone says them ("logged out" of the phone, not of Hotline).
AGENT_STATES = {
    "logged_out": pgettext_lazy("agent state", "Logged out"),
    "ready": pgettext_lazy("agent state", "Ready"),
    "not_ready": pgettext_lazy("agent state", "Not ready"),
    "reserved": pgettext_lazy("agent state", "Ringing"),
    "talking": pgettext_lazy("agent state", "Talking"),
    "holding": pgettext_lazy("agent state", "Holding"),
    "wrap_up": pgettext_lazy("agent state", "Wrap-up"),
}

# Reasons the switchboard sets by itself (configurable reasons are ``NotReadyReason`` rows).
SYSTEM_REASONS = {
    "ring_no_answer": _("Did not answer"),
    "watchdog": _("Reset by the watchdog"),
    "recovered": _("Switchboard restarted"),
    "supervisor": _("Set by the team lead"),
}

NODE_KINDS = {
    "menu": _("Menu"),
    "play": _("Message"),
    "hours": _("Business hours"),
    "balance": _("Balance (BOSS)"),
    "area_fault": _("Area fault"),
    "queue": _("To a queue"),
    "callback": _("Callback request"),
    "hangup": _("Hang up"),
    "goto": _("Back to a menu"),
}

STEP_KINDS = {
    "offered": _("Call arrived"),
    "ivr": _("IVR"),
    "queued": _("Queued"),
    "ringing": _("Ringing an agent"),
    "answered": _("Answered"),
    "ring_no_answer": _("Not answered"),
    "held": _("On hold"),
    "resumed": _("Resumed"),
    "transferred": _("Transferred"),
    "consulting": _("Consulting"),
    "consult_cancelled": _("Consultation cancelled"),
    "overflow": _("Overflowed"),
    "ended": _("Ended"),
    "abandoned": _("Abandoned"),
    "callback_requested": _("Callback requested"),
    "callback_dialing": _("Calling back"),
    "callback_answered": _("Callback answered"),
    "callback_retry": _("Callback to retry"),
    "callback_failed": _("Callback failed"),
    "supervisor_listen": _("Team lead listening"),
    "supervisor_whisper": _("Team lead whispering"),
    "supervisor_barge": _("Team lead joined"),
    "supervisor_end": _("Team lead left"),
    "consult_answered": _("Consulted agent answered"),
    "consult_ringing": _("Ringing the consulted agent"),
    "consult_not_answered": _("Consultation not answered"),
    "conference_ringing": _("Calling into the conference"),
    "conference_joined": _("Joined the conference"),
    "conference_not_answered": _("Conference call not answered"),
    "conference_left": _("Left the conference"),
    "conference_dropped": _("Dropped from the conference"),
    "conference_handover": _("Call taken over in the conference"),
    "wrapped_up": _("Wrapped up"),
    "wrap_up_timed_out": _("Wrap-up timed out: no disposition"),
}


# What a call step's ``detail`` says, as a call's page shows it (technical keys such as the
# channel stay out).
STEP_DETAIL = {
    "key": _("key pressed"),
    "label": _("menu"),
    "queue": _("queue"),
    "from": pgettext_lazy("call step", "from"),
    "to": pgettext_lazy("call step", "to"),
    "number": _("number"),
    "by": _("by"),
    "agent": _("agent"),
    "reason": _("reason"),
    "cause": _("cause"),
    "hung_up_by": _("hung up by"),
    "disposition": _("disposition"),
    "waited": _("waited (s)"),
    "callback": pgettext_lazy("call step", "callback"),
    "consult": _("consultation"),
}


def step_detail(
    detail: dict[str, Any] | None,
    queues: dict[str, str],
    dispositions: dict[str, str] | None = None,
) -> str:
    """A step's detail as one readable line: "queue: 宽带 · hung up by: caller"; queues and
    dispositions (statistic items) by their labels, not their codes."""
    from hotline.telephony.models import CallRecord

    parts = []
    for key, label in STEP_DETAIL.items():
        value = (detail or {}).get(key)
        if value in (None, "", False, [], {}):
            continue
        if key == "queue":
            value = queues.get(str(value), value)
        elif key == "disposition":
            value = (dispositions or {}).get(str(value), value)
        elif key == "hung_up_by":
            value = dict(CallRecord.HungUpBy.choices).get(value, value)
        elif value is True:
            value = _("yes")
        parts.append(f"{label}: {value}")
    return " · ".join(parts)


SPY_OPS = [
    ("listen", _("Listen")),
    ("whisper", _("Whisper")),
    ("barge", _("Barge in")),
    ("supervise_end", _("Stop")),
]


def state_labels() -> dict[str, str]:
    return {code: str(label) for code, label in AGENT_STATES.items()}


def reason_labels() -> dict[str, str]:
    labels = {code: str(label) for code, label in SYSTEM_REASONS.items()}
    for reason in NotReadyReason.objects.all():
        labels[reason.code] = reason.label
    return labels


def queue_labels() -> dict[str, str]:
    """Each queue's name in the active language (kept per process until a queue changes)."""
    from django.utils.translation import get_language

    from hotline.config_cache import config_cached

    return config_cached(
        "queue_labels",
        get_language(),
        lambda: {queue.code: queue.label for queue in Queue.objects.all()},
    )


def ivr_path_steps(
    path: list[dict[str, Any]] | None, queues: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """A call's IVR path as the screen pop shows it: each node's own label (or its kind,
    with the queue's name) and the keys pressed."""
    steps: list[dict[str, str]] = []
    for step in path or []:
        if "key" in step:
            steps.append({"key": step.get("key") or "", "label": "", "kind": "key"})
            continue
        kind = str(step.get("type", ""))
        label = step.get("label") or str(NODE_KINDS.get(kind, kind))
        if not step.get("label") and step.get("queue"):
            label = f"{label}: {(queues or {}).get(step['queue'], step['queue'])}"
        steps.append({"key": "", "label": label, "kind": kind})
    return steps
