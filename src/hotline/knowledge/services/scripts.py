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

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved
from hotline.events import publish
from hotline.knowledge.access import EDIT
from hotline.knowledge.models import Article, CallScript, CallScriptRun, CallScriptVersion

STEP_KINDS = ("say", "ask", "suggest", "link")
MAX_TEXT = 1000
MAX_STEPS = 300


def new_tree() -> dict[str, Any]:
    return {"steps": [], "next_id": 1}


# -- walking the tree -------------------------------------------------------------------


def iter_steps(steps: list[dict[str, Any]], label: str = "") -> Any:
    """Every step of ``steps`` and below as ``(step, position, siblings)``; the position is
    what an editor reads ("2 › 是 › 1")."""
    for index, step in enumerate(steps):
        position = f"{label} › {index + 1}" if label else str(index + 1)
        yield step, position, steps
        for answer in step.get("answers") or []:
            name = answer.get("label") or "?"
            yield from iter_steps(answer.get("steps") or [], f"{position} › {name}")


def _find(tree: dict[str, Any], item_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The step or answer ``item_id`` and the list holding it."""
    for step, _pos, siblings in iter_steps(tree.get("steps") or []):
        if step.get("id") == item_id:
            return step, siblings
        answers = step.get("answers") or []
        for answer in answers:
            if answer.get("id") == item_id:
                return answer, answers
    raise ValidationError(
        {"step": _("There is no step “%(id)s” in this script.") % {"id": item_id}}
    )


@dataclass
class Walk:
    """What the agent has been through: the steps shown, the answers chosen, and the
    question waiting for an answer (None when the script has come to its end)."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    path: list[dict[str, str]] = field(default_factory=list)
    waiting: dict[str, Any] | None = None

    @property
    def answers(self) -> list[str]:
        return [entry["answer"] for entry in self.path]

    @property
    def finished(self) -> bool:
        return self.waiting is None

    @property
    def step_ids(self) -> list[str]:
        return [step["id"] for step in self.steps]


def walk(tree: dict[str, Any], answers: list[str]) -> Walk:
    """Follow ``answers`` (answer ids, in order) through ``tree``. An answer that is not one
    of the question's answers raises a ``ValidationError`` naming it."""
    result = Walk()
    remaining = list(answers)

    def run(steps: list[dict[str, Any]]) -> bool:
        for step in steps:
            result.steps.append(step)
            if step.get("type") != "ask":
                continue
            if not remaining:
                result.waiting = step
                return False
            chosen = remaining.pop(0)
            answer = next((a for a in step.get("answers") or [] if a.get("id") == chosen), None)
            if answer is None:
                raise ValidationError(
                    {
                        "answers": _(
                            "“%(answer)s” is not an answer to the question “%(question)s”."
                        )
                        % {"answer": chosen, "question": step.get("text", "")}
                    }
                )
            result.path.append({"step": step["id"], "answer": answer["id"]})
            if not run(answer.get("steps") or []):
                return False
        return True

    run(tree.get("steps") or [])
    if remaining:
        raise ValidationError(
            {
                "answers": _("The script ends before the answer “%(answer)s”.")
                % {"answer": remaining[0]}
            }
        )
    return result


# -- validation -------------------------------------------------------------------------


def _order_type_codes(codes: set[str]) -> set[str]:
    if not codes or not apps.is_installed("hotline.tickets"):
        return set()
    model = apps.get_model("tickets", "OrderType")
    return set(model.objects.filter(code__in=sorted(codes)).values_list("code", flat=True))


def _statistic_item_codes(codes: set[str]) -> set[str]:
    if not codes:
        return set()
    model = apps.get_model("catalog", "StatisticItem")
    return set(model.objects.filter(code__in=sorted(codes)).values_list("code", flat=True))


def tree_errors(tree: dict[str, Any]) -> list[str]:
    """What is wrong with ``tree``, each message naming the step by its position."""
    errors: list[str] = []
    steps = tree.get("steps") if isinstance(tree, dict) else None
    if not isinstance(steps, list) or not steps:
        return [_("A call script needs at least one step.")]
    seen: set[str] = set()
    order_types: dict[str, str] = {}
    items: dict[str, str] = {}
    articles: dict[int, str] = {}
    count = 0
    for step, position, _siblings in iter_steps(steps):
        count += 1
        kind = step.get("type")
        name = _("Step %(position)s") % {"position": position}
        step_id = str(step.get("id") or "")
        if not step_id or step_id in seen:
            errors.append(_("%(step)s has no id of its own.") % {"step": name})
        seen.add(step_id)
        text = str(step.get("text") or "").strip()
        if len(text) > MAX_TEXT:
            errors.append(_("%(step)s: the text is too long.") % {"step": name})
        if kind not in STEP_KINDS:
            errors.append(_("%(step)s is of an unknown kind.") % {"step": name})
        elif kind == "say" and not text:
            errors.append(_("%(step)s (say): the text to say is empty.") % {"step": name})
        elif kind == "ask":
            if not text:
                errors.append(_("%(step)s (ask): the question is empty.") % {"step": name})
            answers = step.get("answers") or []
            if len(answers) < 2:
                errors.append(
                    _("%(step)s (ask): a question needs at least two answers.") % {"step": name}
                )
            for answer in answers:
                answer_id = str(answer.get("id") or "")
                if not answer_id or answer_id in seen:
                    errors.append(
                        _("%(step)s has an answer without an id of its own.") % {"step": name}
                    )
                seen.add(answer_id)
                if not str(answer.get("label") or "").strip():
                    errors.append(_("%(step)s (ask): an answer is empty.") % {"step": name})
        elif kind == "suggest":
            if not step.get("order_type") and not step.get("statistic_item"):
                errors.append(
                    _("%(step)s (suggest): choose an order type or a statistic item.")
                    % {"step": name}
                )
            if step.get("order_type"):
                order_types[str(step["order_type"])] = name
            if step.get("statistic_item"):
                items[str(step["statistic_item"])] = name
        elif kind == "link":
            try:
                articles[int(step.get("article") or 0)] = name
            except (TypeError, ValueError):
                articles[0] = name
    if count > MAX_STEPS:
        errors.append(_("A call script has at most %(count)s steps.") % {"count": MAX_STEPS})
    known = _order_type_codes(set(order_types))
    for code, name in order_types.items():
        if code not in known:
            errors.append(
                _("%(step)s (suggest): there is no order type “%(code)s”.")
                % {"step": name, "code": code}
            )
    known = _statistic_item_codes(set(items))
    for code, name in items.items():
        if code not in known:
            errors.append(
                _("%(step)s (suggest): there is no statistic item “%(code)s”.")
                % {"step": name, "code": code}
            )
    existing = set(
        Article.objects.filter(pk__in=sorted(articles))
        .exclude(status=Article.Status.ARCHIVED)
        .values_list("pk", flat=True)
    )
    for pk, name in articles.items():
        if pk not in existing:
            errors.append(
                _("%(step)s (link): there is no article number %(id)s.") % {"step": name, "id": pk}
            )
    return errors


def check_tree(tree: dict[str, Any]) -> None:
    errors = tree_errors(tree)
    if errors:
        raise ValidationError({"tree": errors})


# -- editing the draft ------------------------------------------------------------------


def _next_id(tree: dict[str, Any], prefix: str) -> str:
    number = int(tree.get("next_id") or 1)
    tree["next_id"] = number + 1
    return f"{prefix}{number}"


def _blank_step(tree: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind not in STEP_KINDS:
        raise ValidationError({"type": _("Unknown kind of step.")})
    step: dict[str, Any] = {"id": _next_id(tree, "s"), "type": kind, "text": ""}
    if kind == "ask":
        step["answers"] = [
            {"id": _next_id(tree, "a"), "label": pgettext("call script", "Yes"), "steps": []},
            {"id": _next_id(tree, "a"), "label": pgettext("call script", "No"), "steps": []},
        ]
    elif kind == "suggest":
        step.update(order_type="", statistic_item="")
    elif kind == "link":
        step["article"] = None
    return step


def _edit(tree: dict[str, Any], item_id: str, values: dict[str, Any]) -> None:
    item, _siblings = _find(tree, item_id)
    if "steps" in item and "label" in item:  # an answer
        item["label"] = " ".join(str(values.get("label", item["label"])).split())[:100]
        return
    if "text" in values:
        item["text"] = str(values["text"]).strip()[:MAX_TEXT]
    if item.get("type") == "suggest":
        for key in ("order_type", "statistic_item"):
            if key in values:
                item[key] = str(values[key] or "").strip()[:40]
    if item.get("type") == "link" and "article" in values:
        raw = str(values["article"] or "").strip()
        item["article"] = int(raw) if raw.isdigit() else None


def apply_change(tree: dict[str, Any], op: str, values: dict[str, Any]) -> str:
    """Change ``tree`` in place; returns the id of the step or answer to focus after it.

    ``op`` is ``add`` (a step of ``type`` at the end of the script, or of the answer
    ``parent``), ``answer`` (a new answer to the question ``item``), ``edit``, ``delete``,
    ``up`` or ``down`` (of ``item``).
    """
    item_id = str(values.get("item") or "")
    if op == "add":
        parent = str(values.get("parent") or "")
        steps = tree.setdefault("steps", [])
        if parent:
            answer, _siblings = _find(tree, parent)
            if "label" not in answer:
                raise ValidationError({"parent": _("Steps are added under an answer.")})
            steps = answer.setdefault("steps", [])
        step = _blank_step(tree, str(values.get("type") or "say"))
        steps.append(step)
        _edit(tree, step["id"], values)
        return step["id"]
    if op == "answer":
        step, _siblings = _find(tree, item_id)
        if step.get("type") != "ask":
            raise ValidationError({"item": _("Only a question has answers.")})
        answer = {"id": _next_id(tree, "a"), "label": "", "steps": []}
        answer["label"] = " ".join(str(values.get("label") or "").split())[:100]
        step["answers"].append(answer)
        return answer["id"]
    if op == "edit":
        _edit(tree, item_id, values)
        return item_id
    if op == "delete":
        item, siblings = _find(tree, item_id)
        index = siblings.index(item)
        siblings.remove(item)
        if siblings:
            return siblings[min(index, len(siblings) - 1)]["id"]
        return ""
    if op in ("up", "down"):
        item, siblings = _find(tree, item_id)
        index = siblings.index(item)
        other = index - 1 if op == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        return item_id
    raise ValidationError({"op": _("Unknown change.")})


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


def script_for(
    *, ivr_path: list[dict[str, Any]] | None, queue: str = "", statistic_item_id: int | None = None
) -> CallScript | None:
    """The script of a call: by the IVR choice (the deepest one that has a script), then by
    the queue, then by the statistic item."""
    codes = ivr_codes(ivr_path)
    if codes:
        by_code: dict[str, CallScript] = {}
        for script in _live().exclude(ivr_choices=[]):
            for code in script.ivr_choices or []:
                by_code.setdefault(code, script)
        for code in codes:
            if code in by_code:
                return by_code[code]
    if queue:
        script = _live().filter(queues__code=queue).first()
        if script is not None:
            return script
    if statistic_item_id:
        return _live().filter(statistic_items=statistic_item_id).first()
    return None


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
    if str(version_id).isdigit():
        version = (
            CallScriptVersion.objects.select_related("script").filter(pk=int(version_id)).first()
        )
    if version is None:
        raise ValidationError({"version": _("There is no such version of a call script.")})
    run = script_path_record(call=record, version=version, answers=answers, by=by)
    walked = walk(version.tree, [entry["answer"] for entry in run.path])
    return render_walk(script=version.script, version=version, walked=walked, call=record, user=by)
