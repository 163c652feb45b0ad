"""Call script pages for knowledge editors: the list, the tree editor (each change an htmx
request on the draft), saving versions, publishing and restoring, and the preview."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.catalog.models import StatisticItem
from hotline.ids import parse_id
from hotline.knowledge import access
from hotline.knowledge.models import Article, CallScript, CallScriptVersion
from hotline.knowledge.scripts_render import render_walk
from hotline.knowledge.services import script_trees
from hotline.knowledge.services import scripts as script_services


def _ivr_names() -> dict[str, str]:
    if not apps.is_installed("hotline.routing"):
        return {}
    from hotline.routing.selectors import ivr_choice_names

    return ivr_choice_names()


def _queues() -> Any:
    if not apps.is_installed("hotline.routing"):
        return []
    return apps.get_model("routing", "Queue").objects.filter(active=True)


class ScriptForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Script name"), max_length=100)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)
    active = forms.BooleanField(label=gettext_lazy("Shown on calls"), required=False, initial=True)
    ivr_choices = forms.CharField(
        label=gettext_lazy("IVR choices"),
        required=False,
        help_text=gettext_lazy(
            "IVR nodes the caller reached (e.g. tv) or keys pressed at a menu (e.g. main:1), "
            "separated by commas. The IVR choice decides first, then the queue, then the "
            "statistic item."
        ),
    )
    queues = forms.MultipleChoiceField(label=gettext_lazy("Queues"), required=False)
    statistic_items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Statistic items"),
        queryset=StatisticItem.objects.active(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue_rows = {queue.code: queue for queue in _queues()}
        self.fields["queues"].choices = [(c, q.label) for c, q in self.queue_rows.items()]
        self.fields["queues"].widget.attrs["size"] = 4
        # What each IVR choice is, listed under the form (codes are what the field takes).
        self.ivr_names = _ivr_names()

    @classmethod
    def initial_for(cls, script: CallScript) -> dict[str, Any]:
        return {
            "name": script.name,
            "description": script.description,
            "active": script.active,
            "ivr_choices": ", ".join(script.ivr_choices or []),
            "queues": list(script.queues.values_list("code", flat=True)),
            "statistic_items": list(script.statistic_items.all()),
        }

    def settings(self) -> script_services.ScriptSettings:
        data = self.cleaned_data
        raw = (data.get("ivr_choices") or "").replace("，", ",")
        return script_services.ScriptSettings(
            name=data["name"],
            description=data.get("description") or "",
            active=bool(data.get("active")),
            queues=[self.queue_rows[c] for c in data.get("queues") or [] if c in self.queue_rows],
            statistic_items=list(data.get("statistic_items") or []),
            ivr_choices=[c for c in raw.split(",") if c.strip()],
        )


def _get_script(pk: int) -> CallScript:
    return get_object_or_404(CallScript.objects.select_related("published_version"), pk=pk)


@permission_required(access.EDIT, raise_exception=True)
def script_list(request: HttpRequest) -> HttpResponse:
    form = ScriptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            script = script_services.script_create(data=form.settings(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("knowledge:script", pk=script.pk)
    scripts = list(
        CallScript.objects.select_related("published_version").prefetch_related(
            "queues", "statistic_items"
        )
    )
    for script in scripts:
        script.ivr_badges = [(c, form.ivr_names.get(c, c)) for c in script.ivr_choices or []]
    return render(request, "knowledge/scripts.html", {"scripts": scripts, "form": form})


def _show_typed(tree: dict[str, Any], typed: dict[str, Any]) -> None:
    """Put the text of a refused edit back on its step or answer (in the copy shown, not the
    draft), so the editor corrects what they typed instead of typing it again."""
    for step, _position, _siblings in script_trees.iter_steps(tree.get("steps") or []):
        for item in [step, *(step.get("answers") or [])]:
            if item.get("id") == typed.get("item"):
                item.update({key: typed[key] for key in ("text", "label") if key in typed})
                return


def _editor_context(
    script: CallScript, focus: str = "", error: str = "", typed: dict[str, Any] | None = None
) -> dict[str, Any]:
    order_types: list[Any] = []
    if apps.is_installed("hotline.tickets"):
        order_types = list(apps.get_model("tickets", "OrderType").objects.filter(active=True))
    tree = copy.deepcopy(script.draft or script_trees.new_tree())
    if typed:
        _show_typed(tree, typed)
    links = [
        step
        for step, _p, _s in script_trees.iter_steps(tree.get("steps") or [])
        if parse_id(step.get("article"))
    ]
    titles = dict(
        Article.objects.filter(pk__in=sorted({int(s["article"]) for s in links})).values_list(
            "pk", "title"
        )
    )
    for step in links:  # shown next to the number (a copy: the draft is not changed)
        step["article_title"] = titles.get(int(step["article"]), "")
    return {
        "script": script,
        "steps": tree.get("steps") or [],
        "focus": focus,
        "error": error,
        "kinds": [
            ("say", _("Say")),
            ("ask", _("Ask")),
            ("suggest", _("Suggest")),
            ("link", _("Link an article")),
        ],
        "order_types": order_types,
        "statistic_items": list(StatisticItem.objects.active()),
        "draft_url": reverse("knowledge:script_draft", args=[script.pk]),
        "problems": script_trees.tree_errors(tree) if tree.get("steps") else [],
    }


@permission_required(access.EDIT, raise_exception=True)
def script_edit(request: HttpRequest, pk: int) -> HttpResponse:
    script = _get_script(pk)
    form = ScriptForm(request.POST or None, initial=ScriptForm.initial_for(script))
    if request.method == "POST" and form.is_valid():
        try:
            script_services.script_update(script=script, data=form.settings(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The call script's settings have been saved."))
            return redirect("knowledge:script", pk=script.pk)
    context = _editor_context(script)
    context["form"] = form
    return render(request, "knowledge/script_edit.html", context)


DRAFT_FIELDS = (
    "item",
    "parent",
    "type",
    "text",
    "label",
    "order_type",
    "statistic_item",
    "article",
)


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def script_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """One change to the draft; answers the tree (htmx) or goes back to the editor."""
    script = _get_script(pk)
    values = {key: request.POST[key] for key in DRAFT_FIELDS if key in request.POST}
    op = request.POST.get("op", "")
    focus, error, typed = "", "", None
    try:
        focus = script_services.draft_change(script=script, op=op, values=values, by=request.user)
    except ValidationError as problem:
        error = " ".join(problem.messages)
        if op == "edit":
            focus, typed = values.get("item", ""), values
    script.refresh_from_db()
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect("knowledge:script", pk=script.pk)
    response = render(
        request,
        "knowledge/_script_tree.html",
        _editor_context(script, focus=focus, error=error, typed=typed),
    )
    if error:
        response.status_code = 200  # htmx swaps it in, with the message
    return response


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def script_save(request: HttpRequest, pk: int) -> HttpResponse:
    script = _get_script(pk)
    try:
        version = script_services.script_save(
            script=script,
            by=request.user,
            note=request.POST.get("note", "").strip(),
            publish_it=bool(request.POST.get("publish")),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        if request.POST.get("publish"):
            text = _("Saved and published as version %(number)s.")
        else:
            text = _("Saved as version %(number)s.")
        messages.success(request, text % {"number": version.number})
    return redirect("knowledge:script", pk=script.pk)


@permission_required(access.EDIT, raise_exception=True)
def script_versions(request: HttpRequest, pk: int) -> HttpResponse:
    script = _get_script(pk)
    versions = list(script.versions.select_related("created_by"))
    return render(
        request, "knowledge/script_versions.html", {"script": script, "versions": versions}
    )


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def script_version_action(request: HttpRequest, pk: int, number: int, action: str) -> HttpResponse:
    script = _get_script(pk)
    version = get_object_or_404(CallScriptVersion, script=script, number=number)
    try:
        if action == "publish":
            script_services.script_publish(script=script, version=version, by=request.user)
            messages.success(request, _("Version %(number)s is published.") % {"number": number})
        elif action == "restore":
            restored = script_services.script_restore(
                script=script, version=version, by=request.user
            )
            messages.success(
                request,
                _("Version %(number)s has been restored as version %(new)s.")
                % {"number": number, "new": restored.number},
            )
        else:
            raise Http404(action)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("knowledge:script_versions", pk=script.pk)


@permission_required(access.EDIT, raise_exception=True)
def script_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the draft (or a version, ``?version=<number>``) as an agent would."""
    script = _get_script(pk)
    version = None
    number = request.GET.get("version", "")
    if parse_id(number):
        version = get_object_or_404(CallScriptVersion, script=script, number=parse_id(number))
    tree = version.tree if version else (script.draft or script_trees.new_tree())
    answers = [a for a in request.GET.get("answers", "").split(",") if a]
    try:
        walked = script_trees.walk(tree, answers)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        walked = script_trees.walk(tree, [])
    url = reverse("knowledge:script_preview", args=[script.pk])
    if version:
        url += f"?version={version.number}"
    html = render_walk(
        script=script, version=version, walked=walked, preview_url=url, user=request.user
    )
    if request.headers.get("HX-Request"):
        return HttpResponse(html)
    return render(
        request,
        "knowledge/script_preview.html",
        {"script": script, "version": version, "walk_html": html},
    )
