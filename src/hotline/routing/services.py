"""Writes from pages: wrap-up of a call, supervisors' state changes, the demo traffic
switch, publishing an IVR flow. Each records its history and publishes its event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from hotline import events
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved
from hotline.catalog.models import StatisticItem
from hotline.customers.models import TimelineEntry
from hotline.routing.commands import switchboard_command
from hotline.routing.domain import ivr_edit
from hotline.routing.domain.ivr import validate
from hotline.routing.models import IvrFlow, IvrFlowVersion, Queue, TrafficSetting
from hotline.routing.selectors import disposition_required
from hotline.routing.traffic import parse_mix
from hotline.stored_text import Stored, in_site_language, labels, stored
from hotline.telephony.models import CallRecord, CallStep
from hotline.typed_text import check_texts

HANDLED = ("answered", "transferred", "consult_answered", "conference_joined")


class SwitchboardError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


def _check(result: dict[str, Any]) -> dict[str, Any]:
    if not result.get("ok"):
        raise SwitchboardError(str(result.get("error", "failed")))
    return result


def call_timeline_title(
    agent_name: str, disposition: StatisticItem | None, *, timed_out: bool = False
) -> Stored:
    """The title of an answered call on the customer's timeline, in each reader's language."""
    if disposition is None and timed_out:
        return stored(
            gettext_noop("Call answered by %(agent)s · no disposition (wrap-up timed out)"),
            agent=agent_name,
        )
    if disposition is None:
        return stored(gettext_noop("Call answered by %(agent)s"), agent=agent_name)
    return stored(
        gettext_noop("Call answered by %(agent)s · %(disposition)s"),
        agent=agent_name,
        disposition=labels(disposition.label_zh, disposition.label_en),
    )


def disposition_missing_error() -> ValidationError:
    return ValidationError(
        {"disposition": _("Disposition: choose the statistic item of this call to end wrap-up.")}
    )


def call_on_timeline(
    call: CallRecord,
    *,
    by: Any,
    disposition: StatisticItem | None,
    note: str,
    timed_out: bool = False,
) -> TimelineEntry:
    """The agent's part of ``call`` on the customer's timeline: one entry per agent and call,
    written when their wrap-up is saved or runs out, and completed by a wrap-up saved after
    the limit (so the timeline never shows the same call twice for one agent)."""
    title = call_timeline_title(by.display_name or by.username, disposition, timed_out=timed_out)
    entry = TimelineEntry.objects.filter(
        customer_id=call.customer_id,
        ref_model="telephony.callrecord",
        ref_id=str(call.pk),
        author=by,
    ).first() or TimelineEntry(
        customer_id=call.customer_id,
        at=call.offered_at,
        kind=TimelineEntry.Kind.CALL,
        author=by,
        ref_model="telephony.callrecord",
        ref_id=str(call.pk),
    )
    entry.title = in_site_language(title)[:200]
    entry.worded = {"title": title}
    entry.body = note.strip() or entry.body
    entry.save()
    return entry


def call_wrap_up(
    *, call: CallRecord, by: Any, disposition: StatisticItem | None, note: str
) -> CallRecord:
    """The agent's after-call work: disposition and note on the record, the call on the
    customer's timeline, then the agent is ready again (or goes where they asked to).

    The disposition is required unless the call's queue says otherwise; a call whose
    wrap-up limit ran out (recorded without one) may still be saved afterwards."""
    # A transferred call has several agents; each wraps up their part once.
    handled = call.agent_id == by.pk or call.steps.filter(agent=by, kind__in=HANDLED).exists()
    if not handled:
        raise ValidationError({"call": _("This is not your call.")})
    if call.steps.filter(agent=by, kind="wrapped_up").exists():
        raise ValidationError({"call": _("This call is already wrapped up.")})
    check_texts({"note": (_("Note"), note)})
    if disposition is not None and disposition.applies_to == StatisticItem.AppliesTo.ORDERS:
        raise ValidationError({"disposition": _("This statistic item is not for calls.")})
    if disposition is None and disposition_required(call):
        raise disposition_missing_error()
    with acting_as(by), transaction.atomic():
        now = timezone.now()
        fields = ["wrapped_up_at"]
        # The call's disposition is its owner's (the agent who has it last); a colleague
        # consulted or conferenced in keeps theirs on their own step and timeline entry.
        if disposition is not None and (call.agent_id == by.pk or call.disposition_id is None):
            call.disposition = disposition
            fields.append("disposition")
        if note.strip():
            call.note = "\n".join(filter(None, [call.note, note.strip()]))
            fields.append("note")
        call.wrapped_up_at = now
        call.save(update_fields=fields)
        CallStep.objects.create(
            call=call,
            at=now,
            kind="wrapped_up",
            agent=by,
            detail={"disposition": disposition.code if disposition else ""},
        )
        audit_record(
            action="update",
            obj=call,
            changes={
                "disposition": [None, disposition.code if disposition else None],
                "note": ["", call.note[:100]],
            },
        )
        if call.customer_id:
            call_on_timeline(call, by=by, disposition=disposition, note=note)
        events.publish(
            "call.wrapped_up",
            {"call_id": call.call_id, "agent_id": by.pk, "customer_id": call.customer_id},
        )
    # Only this call's wrap-up ends: saved late, after the limit, the agent may already be
    # wrapping up their next call, which needs its own disposition.
    switchboard_command({"op": "wrap_up_done", "agent": by.pk, "call": call.call_id})
    return call


def agent_state_set(*, agent: Any, by: Any, op: str, reason: str = "") -> dict[str, Any]:
    """A supervisor changes an agent's state; the reason is shown to the agent and logged."""
    if op not in {"ready", "not_ready", "logout"}:
        raise ValidationError({"state": _("Unknown state.")})
    if op == "not_ready" and not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    check_texts({"reason": (_("Reason"), reason)})  # shown to the agent, kept in the log
    result = _check(
        switchboard_command({"op": op, "agent": agent.pk, "reason": reason, "by": by.pk})
    )
    with acting_as(by), transaction.atomic():
        audit_record(
            action="update",
            obj=agent,
            changes={"agent_state": [None, result.get("state")], "reason": [None, reason]},
        )
    return result


PARTY_OPS = {"consult", "consult_complete", "consult_cancel", "conference_add", "conference_drop"}


def call_party(
    *, agent: Any, op: str, to_agent: int | str | None = None, number: str = ""
) -> dict[str, Any]:
    """An agent brings a third party onto their call: consults an agent or an outside number
    with the caller on hold, then hands the caller over (``consult_complete``) or comes back
    (``consult_cancel``); or adds a party to a conference and drops them. The switchboard
    writes every step to the call record; errors carry the switchboard's code."""
    if op not in PARTY_OPS:
        raise ValidationError({"op": _("Unknown action.")})
    command: dict[str, Any] = {"op": op, "agent": agent.pk}
    if to_agent not in (None, ""):
        command["to_agent"] = to_agent
    if number:
        command["number"] = "".join(char for char in number if char.isdigit())
    return _check(switchboard_command(command))


SPY_OPS = {"listen", "whisper", "barge", "supervise_end"}


def call_supervise(*, agent: Any, by: Any, op: str) -> dict[str, Any]:
    """A team lead listens to, whispers on or joins the call of an agent they supervise (the
    caller's conversation: audited), or stops."""
    if op not in SPY_OPS:
        raise ValidationError({"op": _("Unknown action.")})
    result = _check(switchboard_command({"op": op, "agent": agent.pk, "by": by.pk}))
    with acting_as(by), transaction.atomic():
        audit_record(action="update", obj=agent, changes={"call_supervision": [None, op]})
    return result


def traffic_update(
    *, by: Any, enabled: bool, calls_per_hour: int, known_share: int, ivr_mix: str
) -> TrafficSetting:
    errors: dict[str, Any] = {}  # every field that is wrong, named at once
    try:
        check_texts({"ivr_mix": (_("IVR key mix"), ivr_mix)})
        parse_mix(ivr_mix)
    except ValidationError as error:
        errors.update(error.error_dict)
    except ValueError as error:
        part = error.args[0]
        errors["ivr_mix"] = _("Cannot read “%(part)s”: write key:weight.") % {"part": part}
    if not 0 <= known_share <= 100:
        errors["known_share"] = _("Give a percentage from 0 to 100.")
    if not 0 < calls_per_hour <= 36000:
        errors["calls_per_hour"] = _("Give 1 to 36,000 calls per hour.")
    if errors:
        raise ValidationError(errors)
    with acting_as(by), transaction.atomic():
        setting = TrafficSetting.objects.select_for_update().first() or TrafficSetting()
        created = setting.pk is None
        setting.enabled, setting.calls_per_hour = enabled, calls_per_hour
        setting.known_share, setting.ivr_mix = known_share, ivr_mix
        setting.save()
        audit_saved(setting, created=created)
    return setting


def test_call_place(*, number: str, keys: str, talk: int = 120) -> dict[str, Any]:
    """A simulated caller dials in now from ``number`` and presses ``keys`` at the menus:
    to try an IVR flow or show the desktop (demo and tests; refused on a real switch)."""
    number, keys = number.strip(), keys.strip()
    if not (number.isdigit() and 5 <= len(number) <= 20):
        raise ValidationError({"number": _("Give a phone number of 5 to 20 digits.")})
    if len(keys) > 10 or any(key not in "0123456789*#" for key in keys):
        raise ValidationError({"keys": _("Keys are digits, * and #, at most 10.")})
    script = {"keys": keys, "think": 1.0, "patience": 600.0, "talk": float(talk)}
    return _check(switchboard_command({"op": "place_call", "caller": number, "script": script}))


def ivr_publish(*, flow: IvrFlow, tree: dict[str, Any], by: Any) -> IvrFlowVersion:
    """Save ``tree`` as the flow's next version and publish it, if it validates."""
    queues = set(Queue.objects.filter(active=True).values_list("code", flat=True))
    problems = validate(tree, queues=queues)
    if problems:
        raise ValidationError({"tree": [f"{p.node}: {p.message}" for p in problems]})
    with acting_as(by), transaction.atomic():
        last = flow.versions.order_by("-version").values_list("version", flat=True).first()
        version = IvrFlowVersion.objects.create(
            flow=flow,
            version=(last or 0) + 1,
            tree=tree,
            created_by=by,
            published_at=timezone.now(),
        )
        audit_record(
            action="update", obj=flow, changes={"published_version": [last, version.version]}
        )
        events.publish("ivr.published", {"flow": flow.code, "version": version.version})
    switchboard_command({"op": "reload"})
    return version


EDIT_ERRORS = {
    "unknown_type": gettext_lazy("Unknown node type."),
    "bad_slot": gettext_lazy("A node of this type has no such branch."),
    "bad_digit": gettext_lazy("A menu key is one of 0 to 9, * or #."),
    "slot_taken": gettext_lazy("That place already has a node: remove or move it first."),
    "root": gettext_lazy("The first node cannot be removed or moved: change its type instead."),
    "into_itself": gettext_lazy("A node cannot move under itself."),
    "no_node": gettext_lazy("That node no longer exists: reload the page."),
    "not_a_number": gettext_lazy("Give a whole number from 0 to 99."),
    "unknown_op": gettext_lazy("Unknown action."),
}


# The node fields typed as text, by the words the editor shows (refusals name the field).
NODE_FIELD_LABELS = {
    "label": gettext_lazy("Label"),
    "prompt": gettext_lazy("Prompt"),
    "message": gettext_lazy("Message"),
}


def ivr_working_tree(flow: IvrFlow) -> dict[str, Any]:
    """What the editor shows: the draft, else the published tree, else a first empty menu."""
    if flow.draft is not None:
        return flow.draft
    version = flow.published()
    return version.tree if version is not None else dict(ivr_edit.STARTER, options={})


def ivr_flow_create(*, code: str, name: str, number: str, by: Any) -> IvrFlow:
    check_texts(
        {
            "code": (_("Code"), code),
            "name": (pgettext("of a thing", "Name"), name),
            "number": (_("Called number"), number),
        }
    )
    flow = IvrFlow(code=code.strip(), name=name.strip(), number=number.strip())
    flow.draft = dict(ivr_edit.STARTER, options={})
    flow.full_clean()
    with acting_as(by), transaction.atomic():
        flow.save()
        audit_saved(flow, created=True)
        events.publish("ivr.created", {"flow": flow.code})
    return flow


def ivr_draft_edit(
    *, flow: IvrFlow, by: Any, op: str, path: str, values: dict[str, Any]
) -> IvrFlow:
    """One edit of the flow's draft (``save`` a node's fields or type, ``add`` a child,
    ``remove`` a node, ``move`` it elsewhere), recorded in the history."""
    with acting_as(by), transaction.atomic():
        flow = IvrFlow.objects.select_for_update().get(pk=flow.pk)
        tree = ivr_working_tree(flow)
        if op == "save":
            check_texts(
                {key: (NODE_FIELD_LABELS.get(key, key), value) for key, value in values.items()}
            )
        try:
            if op == "save":
                node = ivr_edit.node_at(tree, path)
                kind = str(values.get("type") or (node or {}).get("type", ""))
                if node is not None and kind != node.get("type"):
                    tree = ivr_edit.change_type(tree, path, kind)
                tree = ivr_edit.set_fields(tree, path, values)
            elif op == "add":
                tree = ivr_edit.add_child(
                    tree, path, str(values.get("slot", "")), str(values.get("kind", ""))
                )
            elif op == "remove":
                tree = ivr_edit.remove(tree, path)
            elif op == "move":
                to, _sep, slot = str(values.get("to", "")).partition("|")
                tree = ivr_edit.move(tree, path, to, slot or str(values.get("digit", "")))
            else:
                raise ivr_edit.EditError("unknown_op")
        except ivr_edit.EditError as error:
            raise ValidationError({"node": [str(EDIT_ERRORS[error.code])]}) from None
        flow.draft = tree
        flow.save(update_fields=["draft"])
        audit_record(action="update", obj=flow, changes={"ivr_draft": [None, f"{op} /{path}"]})
        events.publish("ivr.draft_changed", {"flow": flow.code, "op": op, "path": path})
    return flow


def ivr_draft_restore(*, flow: IvrFlow, version: IvrFlowVersion, by: Any) -> IvrFlow:
    """Take an earlier version's tree as the draft (published again only by ``Publish``)."""
    if version.flow_id != flow.pk:
        raise ValidationError({"version": _("This version belongs to another flow.")})
    with acting_as(by), transaction.atomic():
        flow.draft = version.tree
        flow.save(update_fields=["draft"])
        audit_record(
            action="update", obj=flow, changes={"ivr_draft": [None, f"v{version.version}"]}
        )
        events.publish("ivr.draft_changed", {"flow": flow.code, "restored": version.version})
    return flow


def ivr_draft_publish(*, flow: IvrFlow, by: Any) -> IvrFlowVersion:
    """Publish the draft as the next version (refused while it has problems); the draft is
    then the published tree, so the editor starts from it."""
    version = ivr_publish(flow=flow, tree=ivr_working_tree(flow), by=by)
    IvrFlow.objects.filter(pk=flow.pk).update(draft=None)
    flow.draft = None
    return version
