"""The tree of a call script (话术树): walking it, checking it, and the editor's one-step
changes. Plain data in, plain data out; the only database reads are the checks that an
order type, a statistic item or an article named by a step exists. The tree's format is
described in ``services.scripts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hotline.ids import parse_id
from hotline.knowledge.models import Article
from hotline.typed_text import check_texts, text_error

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
        if problem := text_error(str(step.get("text") or ""), name):
            errors.extend(problem.messages)
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
                label = str(answer.get("label") or "").strip()
                if not label:
                    errors.append(_("%(step)s (ask): an answer is empty.") % {"step": name})
                elif problem := text_error(label, _("%(step)s, answer") % {"step": name}):
                    errors.extend(problem.messages)
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


def _text_label(item: dict[str, Any]) -> str:
    """The label of the field the editor typed ``item``'s text into."""
    if "steps" in item and "label" in item:
        return pgettext("call script", "Answer")
    return {"say": _("Text to say"), "ask": _("Question")}.get(item.get("type", ""), _("Text"))


def _edit(tree: dict[str, Any], item_id: str, values: dict[str, Any]) -> None:
    item, _siblings = _find(tree, item_id)
    check_texts(
        {key: (_text_label(item), values[key]) for key in ("text", "label") if key in values}
    )
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
        item["article"] = parse_id(raw)


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
        check_texts({"label": (pgettext("call script", "Answer"), values.get("label"))})
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
