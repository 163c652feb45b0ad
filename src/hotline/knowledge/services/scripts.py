"""Call scripts (话术树): the tree of steps, its draft, versions, publication and the path
an agent takes through it on a call.

A tree is ``{"steps": [step, ...], "next_id": n}``; steps are followed in order, and an
``ask`` step's chosen answer leads into the answer's own steps before the walk goes on with
the steps after the question. Kinds of step (every one has an ``id``):

- ``say``: ``text`` to say to the caller;
- ``ask``: ``text`` (the question) and ``answers``, each ``{"id", "label", "steps"}``;
- ``suggest``: an ``order_type`` code and/or a ``statistic_item`` code, with an optional
  ``text``;
- ``link``: an ``article`` id with an optional ``text``.

The editor changes the script's draft one step at a time (``draft_change``, not audited:
it is work in progress); saving the draft makes a version (audited, ``call_script.saved``),
one version is published (``call_script.published``) and the desktop shows it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved
from hotline.config_cache import config_cached, config_changed
from hotline.events import publish
from hotline.ids import parse_id
from hotline.knowledge.access import EDIT
from hotline.knowledge.models import CallScript, CallScriptRun, CallScriptVersion
from hotline.knowledge.services.script_trees import (
    apply_change,
    check_tree,
    new_tree,
    walk,
)
from hotline.typed_text import check_texts


def _check_editor(by: Any) -> None:
    if not by.has_perm(EDIT):
        raise PermissionDenied(_("You may not edit call scripts."))


def draft_change(*, script: CallScript, op: str, values: dict[str, Any], by: Any) -> str:
    """One change to the script's draft (saved at once, not yet a version)."""
    _check_editor(by)
    with transaction.atomic():
        script = CallScript.objects.select_for_update().get(pk=script.pk)
        tree = copy.deepcopy(script.draft) or new_tree()
        focus = apply_change(tree, op, values)
        CallScript.objects.filter(pk=script.pk).update(draft=tree, updated_at=timezone.now())
        config_changed()  # scripts sharing a queue are ordered by their last change
    return focus


# -- scripts and versions ---------------------------------------------------------------


@dataclass
class ScriptSettings:
    name: str
    description: str = ""
    active: bool = True
    queues: list[Any] = field(default_factory=list)
    statistic_items: list[Any] = field(default_factory=list)
    ivr_choices: list[str] = field(default_factory=list)


def _clean_settings(data: ScriptSettings) -> ScriptSettings:
    check_texts(
        {
            "name": (_("Script name"), data.name),
            "description": (_("Description"), data.description),
            "ivr_choices": (_("IVR choices"), "".join(str(code) for code in data.ivr_choices)),
        }
    )
    data.name = " ".join((data.name or "").split())
    if not data.name:
        raise ValidationError({"name": _("A call script needs a name.")})
    if len(data.name) > 100:
        raise ValidationError({"name": _("A name has at most 100 characters.")})
    choices: list[str] = []
    for code in data.ivr_choices:
        code = "".join(str(code).split())[:60]
        if code and code not in choices:
            choices.append(code)
    data.ivr_choices = choices
    return data


def _attachments(script: CallScript) -> dict[str, Any]:
    return {
        "queues": sorted(script.queues.values_list("code", flat=True)),
        "statistic_items": sorted(script.statistic_items.values_list("code", flat=True)),
    }


def _event(script: CallScript, verb: str, version: CallScriptVersion | None = None) -> None:
    config_changed()  # the desks' script index (``script_for``) is read again
    publish(
        f"call_script.{verb}",
        {
            "call_script": {
                "id": script.pk,
                "name": script.name,
                "active": script.active,
                "version": version.number if version else None,
                "published_version": script.published_version_id,
            }
        },
    )


def script_create(
    *, data: ScriptSettings, by: Any, tree: dict[str, Any] | None = None
) -> CallScript:
    """A new script with an empty (or the given) draft and no version yet."""
    _check_editor(by)
    data = _clean_settings(data)
    now = timezone.now()
    with acting_as(by), transaction.atomic():
        script = CallScript.objects.create(
            name=data.name,
            description=data.description[:300],
            active=data.active,
            ivr_choices=data.ivr_choices,
            draft=tree or new_tree(),
            created_by=by if getattr(by, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        script.queues.set(data.queues)
        script.statistic_items.set(data.statistic_items)
        audit_saved(script, created=True, extra=_attachments(script))
        _event(script, "created")
    return script


def script_update(*, script: CallScript, data: ScriptSettings, by: Any) -> CallScript:
    """Change the name, the switch and what the script is attached to."""
    _check_editor(by)
    data = _clean_settings(data)
    with acting_as(by), transaction.atomic():
        script = CallScript.objects.select_for_update().get(pk=script.pk)
        before = _attachments(script)
        script.name = data.name
        script.description = data.description[:300]
        script.active = data.active
        script.ivr_choices = data.ivr_choices
        script.updated_at = timezone.now()
        script.save(update_fields=["name", "description", "active", "ivr_choices", "updated_at"])
        script.queues.set(data.queues)
        script.statistic_items.set(data.statistic_items)
        after = _attachments(script)
        extra = {key: [before[key], after[key]] for key in after if after[key] != before[key]}
        audit_saved(script, fields=["name", "description", "active", "ivr_choices"], extra=extra)
        _event(script, "updated")
    return script


def _new_version(script: CallScript, tree: dict[str, Any], by: Any, note: str) -> CallScriptVersion:
    last = script.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return CallScriptVersion.objects.create(
        script=script,
        number=last + 1,
        tree=tree,
        note=note[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )


def script_save(
    *, script: CallScript, by: Any, note: str = "", publish_it: bool = False
) -> CallScriptVersion:
    """The draft as a new version (checked first); published at once with ``publish_it``."""
    _check_editor(by)
    check_texts({"note": (_("What changed"), note)})
    with acting_as(by), transaction.atomic():
        script = CallScript.objects.select_for_update().get(pk=script.pk)
        tree = copy.deepcopy(script.draft)
        check_tree(tree)
        version = _new_version(script, tree, by, note or _("Saved"))
        audit_record(
            action="save_version",
            obj=script,
            changes={"version": [None, version.number], "note": [None, version.note]},
        )
        _event(script, "saved", version)
        if publish_it:
            _publish(script, version)
    return version


def _publish(script: CallScript, version: CallScriptVersion) -> None:
    script.published_version = version
    script.updated_at = timezone.now()
    script.save(update_fields=["published_version", "updated_at"])
    audit_saved(script, action="publish", fields=["published_version"])
    _event(script, "published", version)


def script_publish(*, script: CallScript, version: CallScriptVersion, by: Any) -> CallScript:
    """Make ``version`` the one the desktop shows (its references are checked again)."""
    _check_editor(by)
    if version.script_id != script.pk:
        raise ValidationError({"version": _("This version belongs to another script.")})
    check_tree(version.tree)
    with acting_as(by), transaction.atomic():
        script = CallScript.objects.select_for_update().get(pk=script.pk)
        _publish(script, version)
    return script


def script_restore(*, script: CallScript, version: CallScriptVersion, by: Any) -> CallScriptVersion:
    """``version``'s tree becomes the draft and a new version (history is kept)."""
    _check_editor(by)
    if version.script_id != script.pk:
        raise ValidationError({"version": _("This version belongs to another script.")})
    with acting_as(by), transaction.atomic():
        script = CallScript.objects.select_for_update().get(pk=script.pk)
        tree = copy.deepcopy(version.tree)
        CallScript.objects.filter(pk=script.pk).update(draft=tree, updated_at=timezone.now())
        config_changed()  # scripts sharing a queue are ordered by their last change
        restored = _new_version(
            script, tree, by, _("Restored from version %(number)s") % {"number": version.number}
        )
        audit_record(
            action="restore",
            obj=script,
            changes={"version": [None, restored.number], "restored_version": version.number},
        )
        _event(script, "restored", restored)
    return restored


# -- the desktop ------------------------------------------------------------------------


def ivr_codes(ivr_path: list[dict[str, Any]] | None) -> list[str]:
    """The IVR choices of a call, deepest first: nodes reached ("tv") and keys pressed at a
    menu ("main:1")."""
    codes: list[str] = []
    for step in ivr_path or []:
        node = str(step.get("node") or "")
        if "key" in step:
            if node and step.get("key"):
                codes.append(f"{node}:{step['key']}")
        elif node:
            codes.append(node)
    return list(reversed(codes))


def _live() -> Any:
    return (
        CallScript.objects.filter(active=True, published_version__isnull=False)
        .select_related("published_version")
        .order_by("-updated_at", "-id")
    )


def _live_index() -> dict[str, dict]:
    """The published scripts and what each is attached to; for each IVR choice, queue and
    statistic item the newest script attached to it."""
    scripts = list(_live().prefetch_related("queues", "statistic_items"))
    index: dict[str, dict] = {"script": {}, "code": {}, "queue": {}, "item": {}}
    for script in scripts:
        index["script"][script.pk] = script
        for code in script.ivr_choices or []:
            index["code"].setdefault(code, script.pk)
        for queue in script.queues.all():
            index["queue"].setdefault(queue.code, script.pk)
        for item in script.statistic_items.all():
            index["item"].setdefault(item.pk, script.pk)
    return index


def script_for(
    *, ivr_path: list[dict[str, Any]] | None, queue: str = "", statistic_item_id: int | None = None
) -> CallScript | None:
    """The script of a call: by the IVR choice (the deepest one that has a script), then by
    the queue, then by the statistic item. Every screen pop asks, so the index of published
    scripts is kept per process until a script changes (``config_cache``); the script
    returned is shared: read it, don't change it."""
    index = config_cached("call_scripts", "live", _live_index)
    found = next((index["code"][c] for c in ivr_codes(ivr_path) if c in index["code"]), None)
    if found is None and queue:
        found = index["queue"].get(queue)
    if found is None and statistic_item_id:
        found = index["item"].get(statistic_item_id)
    return index["script"][found] if found is not None else None


def script_for_call(record: Any) -> dict | None:
    """The desktop's hook (``hotline.routing.hooks``): the call's script as HTML to show."""
    script = script_for(
        ivr_path=getattr(record, "ivr_path", None),
        queue=getattr(record, "queue", "") or "",
        statistic_item_id=getattr(record, "disposition_id", None),
    )
    if script is None:
        return None
    from hotline.knowledge.scripts_render import render_walk

    run = CallScriptRun.objects.filter(call=record, version=script.published_version).first()
    answers = [entry["answer"] for entry in run.path] if run else []
    try:
        current = walk(script.published_version.tree, answers)
    except ValidationError:
        current = walk(script.published_version.tree, [])
    return {
        "id": script.published_version_id,
        "script": script.pk,
        "name": script.name,
        "html": render_walk(
            script=script,
            version=script.published_version,
            walked=current,
            call=record,
            user=getattr(record, "agent", None),
        ),
    }


def script_path_record(
    *, call: Any, version: CallScriptVersion, answers: list[str], by: Any
) -> CallScriptRun:
    """Keep the path taken through ``version`` on ``call`` (the latest path replaces the
    one before: the agent may go back and choose again)."""
    walked = walk(version.tree, answers)
    with transaction.atomic():
        run, _created = CallScriptRun.objects.update_or_create(
            call=call,
            version=version,
            defaults={
                "path": walked.path,
                "steps": walked.step_ids,
                "by": by if getattr(by, "pk", None) else None,
                "at": timezone.now(),
            },
        )
        publish(
            "call_script.path",
            {
                "call": getattr(call, "call_id", ""),
                "call_script": version.script_id,
                "version": version.number,
                "path": walked.path,
            },
        )
    return run


def desk_path_recorder(record: Any, version_id: str, answers: list[str], by: Any) -> str:
    """The desktop's hook for ``/desk/call/<id>/script-path/``: keep the path, answer the
    script's HTML at its new place."""
    from hotline.knowledge.scripts_render import render_walk

    version = None
    if parse_id(version_id):
        version = (
            CallScriptVersion.objects.select_related("script")
            .filter(pk=parse_id(version_id))
            .first()
        )
    if version is None:
        raise ValidationError({"version": _("There is no such version of a call script.")})
    run = script_path_record(call=record, version=version, answers=answers, by=by)
    walked = walk(version.tree, [entry["answer"] for entry in run.path])
    return render_walk(script=version.script, version=version, walked=walked, call=record, user=by)
