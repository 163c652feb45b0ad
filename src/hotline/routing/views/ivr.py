"""The admins' IVR flow editor: the list of flows, the tree of a flow's draft edited node by
node (htmx), validation in clear words, publishing, the versions and a preview walk."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.routing import labels, services
from hotline.routing.domain import ivr_edit
from hotline.routing.domain.ivr import DIGITS, Problem, iter_nodes, preview, validate
from hotline.routing.ivr_context import context_from, ivr_prefetch
from hotline.routing.models import IvrFlow, IvrFlowVersion, Queue

EDIT = "routing.change_ivrflow"
PUBLISH = "routing.publish_ivrflow"

SLOT_WORDS = {
    "open": gettext_lazy("if open"),
    "closed": gettext_lazy("if closed"),
    "next": gettext_lazy("then"),
    "timeout": gettext_lazy("no key pressed"),
    "invalid": gettext_lazy("wrong key"),
}


def slot_word(slot: str) -> str:
    if slot in DIGITS:
        return _("key %(key)s") % {"key": slot}
    return str(SLOT_WORDS.get(slot, slot))


def node_name(node: dict[str, Any]) -> str:
    kind = str(labels.NODE_KINDS.get(node.get("type", ""), node.get("type", "?")))
    name = node.get("label") or node.get("id") or ""
    return f"{kind} “{name}”" if name else kind


def describe_path(tree: dict[str, Any], path: str) -> str:
    """``Menu “main” › key 1 › To a queue “tv”``: where a node is, in words."""
    words, node, parts = [node_name(tree)], tree, ivr_edit.split(path)
    for index, part in enumerate(parts):
        words.append(slot_word(part))
        node = ivr_edit.node_at(tree, ivr_edit.join(parts[: index + 1])) or {}
        if node:
            words.append(node_name(node))
    return " › ".join(words)


def problem_text(problem: Problem) -> str:
    code, detail = problem.code, problem.detail
    if code == "dead_end" and detail == "target":
        return _("Goes back to a menu that does not exist: choose a menu.")
    if code == "dead_end" and not detail:
        return _("The menu has no choices: add at least one key.")
    if code == "dead_end":
        return _("“%(branch)s” leads nowhere: add a node there.") % {"branch": slot_word(detail)}
    if code == "unknown_queue":
        if not detail:
            return _("No queue chosen.")
        return _("There is no active queue “%(queue)s”: choose another.") % {"queue": detail}
    if code == "loop":
        return _(
            "Goes back to something that is not a menu: the call would loop without waiting"
            " for the caller."
        )
    if code == "bad_digit":
        return _("“%(key)s” is not a phone key.") % {"key": detail}
    if code == "duplicate_id":
        return _("Two nodes have the same id.")
    return _("Unknown node type.")


def problems_in_words(tree: dict[str, Any]) -> list[dict[str, str]]:
    queues = set(Queue.objects.filter(active=True).values_list("code", flat=True))
    where = ivr_edit.paths_by_id(tree)
    found = []
    for problem in validate(tree, queues=queues):
        path = where.get(problem.node, ivr_edit.join(ivr_edit.split(problem.node)))
        found.append(
            {
                "path": path,
                "code": problem.code,
                "where": describe_path(tree, path),
                "text": problem_text(problem),
            }
        )
    return found


def _node_view(
    tree: dict[str, Any], node: dict[str, Any], path: str, problems: dict[str, list[str]]
) -> dict[str, Any]:
    children = []
    for slot in ivr_edit.slots(node):
        child = node["options"].get(slot) if slot in DIGITS else node.get(slot)
        child_path = ivr_edit.join([*ivr_edit.split(path), slot])
        children.append(
            {
                "slot": slot,
                "word": slot_word(slot),
                "node": (
                    _node_view(tree, child, child_path, problems)
                    if isinstance(child, dict)
                    else None
                ),
            }
        )
    kind = node.get("type", "")
    free = [
        s for s in ivr_edit.slots(node) if s not in DIGITS and not isinstance(node.get(s), dict)
    ]
    if kind == "menu":
        taken = set(node.get("options") or {})
        free = [d for d in "1234567890*#" if d not in taken] + free
    inside = ivr_edit.split(path)
    targets = [
        {"value": f"{to}|{slot}", "label": describe_path(tree, to) + " › " + slot_word(slot)}
        if slot
        else {"value": f"{to}|", "label": describe_path(tree, to) + " › " + _("key below")}
        for to, slot in ivr_edit.free_slots(tree)
        if ivr_edit.split(to)[: len(inside)] != inside
    ]
    return {
        "path": path,
        "dom": path.replace("/", "-").replace("*", "star").replace("#", "hash") or "root",
        "node": node,
        "kind": kind,
        "name": node_name(node),
        "children": children,
        "add_slots": [{"slot": s, "word": slot_word(s)} for s in free],
        "targets": targets if path else [],
        "problems": problems.get(path, []),
    }


def _editor_context(
    flow: IvrFlow,
    *,
    checked: bool = False,
    error: str = "",
    focus: str = "",
    typed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    tree = services.ivr_working_tree(flow)
    if typed:  # a refused edit: its node shows what was typed (the draft is unchanged)
        with contextlib.suppress(ivr_edit.EditError):
            tree = ivr_edit.set_fields(tree, focus, typed)
    problems = problems_in_words(tree) if checked else []
    by_path: dict[str, list[str]] = {}
    for problem in problems:
        by_path.setdefault(problem["path"], []).append(problem["text"])
    from hotline.calendars.models import BusinessCalendar

    return {
        "flow": flow,
        "root": _node_view(tree, tree, "", by_path),
        "checked": checked,
        "problems": problems,
        "error": error,
        "focus": focus,
        "kinds": [(code, str(label)) for code, label in labels.NODE_KINDS.items()],
        "queues": list(Queue.objects.filter(active=True)),
        "calendars": list(BusinessCalendar.objects.values_list("name", flat=True)),
        "menus": ivr_edit.menu_ids(tree),
        "published": flow.published(),
        "has_draft": flow.draft is not None,
    }


def _flow_for(pk: int) -> IvrFlow:
    return get_object_or_404(IvrFlow, pk=pk)


@login_required
@permission_required(EDIT, raise_exception=True)
def ivr_flows(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    values = {"code": "", "name": "", "number": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        try:
            flow = services.ivr_flow_create(by=request.user, **values)
            return redirect("routing:ivr_flow", pk=flow.pk)
        except ValidationError as error:
            errors = dict(error.message_dict)
            errors["general"] = errors.pop("__all__", [])
    flows = list(IvrFlow.objects.prefetch_related("versions"))
    for flow in flows:
        flow.current = next((v for v in flow.versions.all() if v.published_at), None)
    return render(
        request,
        "routing/ivr_flows.html",
        {"flows": flows, "errors": errors, "values": values},
        status=400 if errors else 200,
    )


@login_required
@permission_required(EDIT, raise_exception=True)
def ivr_flow(request: HttpRequest, pk: int) -> HttpResponse:
    flow = _flow_for(pk)
    context = _editor_context(flow)
    context["versions"] = flow.versions.select_related("created_by")[:50]
    context["preview"] = None
    return render(request, "routing/ivr_flow.html", context)


def _editor(request: HttpRequest, flow: IvrFlow, status: int = 200, **kwargs: Any) -> HttpResponse:
    if not request.headers.get("HX-Request"):
        if kwargs.get("error"):
            messages.error(request, kwargs["error"])
        return redirect("routing:ivr_flow", pk=flow.pk)
    context = _editor_context(flow, **kwargs)
    return render(request, "routing/_ivr_editor.html", context, status=status)


@login_required
@permission_required(EDIT, raise_exception=True)
@require_POST
def ivr_edit_node(request: HttpRequest, pk: int) -> HttpResponse:
    flow = _flow_for(pk)
    path = request.POST.get("path", "")
    values = {key: request.POST[key] for key in request.POST if key not in ("op", "path")}
    try:
        flow = services.ivr_draft_edit(
            flow=flow, by=request.user, op=request.POST.get("op", ""), path=path, values=values
        )
    except ValidationError as error:
        message = "; ".join(m for ms in error.message_dict.values() for m in ms)
        typed = values if request.POST.get("op") == "save" else None
        return _editor(request, flow, status=400, error=message, focus=path, typed=typed)
    return _editor(request, flow, checked=request.POST.get("checked") == "1", focus=path)


@login_required
@permission_required(EDIT, raise_exception=True)
@require_POST
def ivr_validate(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, _flow_for(pk), checked=True)


@login_required
@permission_required(PUBLISH, raise_exception=True)
@require_POST
def ivr_publish(request: HttpRequest, pk: int) -> HttpResponse:
    flow = _flow_for(pk)
    if problems_in_words(services.ivr_working_tree(flow)):
        error = _("Not published: the flow has problems. Correct them first.")
        if request.headers.get("HX-Request"):
            return _editor(request, flow, status=400, checked=True, error=error)
        context = _editor_context(flow, checked=True, error=error)
        context["versions"] = flow.versions.select_related("created_by")[:50]
        return render(request, "routing/ivr_flow.html", context, status=400)
    try:
        version = services.ivr_draft_publish(flow=flow, by=request.user)
    except ValidationError as error:  # a queue switched off in between
        messages.error(request, "; ".join(m for ms in error.message_dict.values() for m in ms))
        return redirect("routing:ivr_flow", pk=flow.pk)
    messages.success(request, _("Version %(version)s is published.") % {"version": version.version})
    return redirect("routing:ivr_flow", pk=flow.pk)


@login_required
@permission_required(EDIT, raise_exception=True)
@require_POST
def ivr_restore(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    flow = _flow_for(pk)
    version = get_object_or_404(IvrFlowVersion, pk=version_pk, flow=flow)
    services.ivr_draft_restore(flow=flow, version=version, by=request.user)
    messages.success(
        request,
        _("Version %(version)s is now the draft: publish it to use it.")
        % {"version": version.version},
    )
    return redirect("routing:ivr_flow", pk=flow.pk)


@login_required
@permission_required(EDIT, raise_exception=True)
def ivr_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the draft as a caller would: keys pressed in turn, optionally as a known caller
    (their balance, their area's fault) and at open or closed hours."""
    flow = _flow_for(pk)
    data = request.POST if request.method == "POST" else request.GET
    keys = "".join(data.get("keys", "").split())
    number, hours = data.get("number", "").strip(), data.get("hours", "now")
    result: dict[str, Any] = {"keys": data.get("keys", ""), "number": number, "hours": hours}
    if len(keys) > 20 or any(key not in DIGITS for key in keys):
        result["error"] = _("Keys are digits, * and #, at most 20.")
        return render(request, "routing/_ivr_preview.html", {"flow": flow, "preview": result})
    tree = services.ivr_working_tree(flow)
    customer_id = _customer_of(number) if number else None
    if number and customer_id is None:
        result["note"] = _("No customer has this number: walked as an unknown caller.")
    facts = ivr_prefetch(flow=tree, customer_id=customer_id)
    if hours in ("open", "closed"):
        facts["open"] = {calendar: hours == "open" for calendar in facts["open"]}
        facts["open"][""] = hours == "open"
        result["forced"] = True
    nodes = {str(n["id"]): n for _w, n in iter_nodes(tree) if isinstance(n, dict) and n.get("id")}
    try:
        actions = preview(tree, keys, context_from(facts))
    except (KeyError, TypeError):
        result["error"] = _("The walk stops at a dead end: validate the flow.")
        return render(request, "routing/_ivr_preview.html", {"flow": flow, "preview": result})
    steps, pressed = [], iter(keys)
    for action in actions:
        node = nodes.get(action.node, {})
        where = node_name(node) if node else ""
        if action.kind == "play":
            steps.append({"kind": "play", "where": where, "text": _("Plays: %s") % action.text})
        elif action.kind == "collect":
            key = next(pressed, None)
            if key is None:
                steps.append({"kind": "wait", "where": where, "text": _("Waits for a key.")})
            else:
                text = _("The caller presses %(key)s.") % {"key": key}
                steps.append({"kind": "key", "where": where, "text": text, "key": key})
        elif action.kind == "queue":
            text = _("Goes to the queue “%(queue)s”") % {"queue": _queue_label(action.queue)}
            if action.priority:
                text += " " + _("(priority +%(n)s)") % {"n": action.priority}
            steps.append({"kind": "queue", "where": where, "text": text})
        elif action.kind == "callback":
            text = _("Leaves a callback request for the queue “%(queue)s”.") % {
                "queue": _queue_label(action.queue)
            }
            steps.append({"kind": "callback", "where": where, "text": text})
        else:
            text = _("Hangs up.") + (f" {action.text}" if action.text else "")
            steps.append({"kind": "hangup", "where": where, "text": text})
    unused = "".join(pressed)
    if unused:
        result["note"] = _("Keys not used: %(keys)s") % {"keys": unused}
    result["steps"] = steps
    return render(request, "routing/_ivr_preview.html", {"flow": flow, "preview": result})


def _queue_label(code: str) -> str:
    return str(labels.queue_labels().get(code, code))


def _customer_of(number: str) -> int | None:
    from hotline.customers.models import CustomerPhone
    from hotline.customers.phones import normalize_phone

    try:
        normal = normalize_phone(number)
    except (ValueError, ValidationError):
        return None
    return (
        CustomerPhone.objects.filter(number=normal, customer__merged_into__isnull=True)
        .values_list("customer_id", flat=True)
        .first()
    )
