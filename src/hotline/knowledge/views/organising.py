"""Pages where editors organise the knowledge base: synonyms, groups, directories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hotline.knowledge import access, selectors
from hotline.knowledge.forms import DirectoryForm, GroupForm, SynonymForm
from hotline.knowledge.models import Directory, KnowledgeGroup, SynonymGroup
from hotline.knowledge.services import organisation


def _add_errors(form, error: ValidationError) -> None:  # type: ignore[no-untyped-def]
    for field, problems in getattr(error, "message_dict", {"__all__": error.messages}).items():
        form.add_error(field if field in form.fields else None, problems)


@permission_required(access.SYNONYMS, raise_exception=True)
def synonyms(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation.synonym_group_save(by=request.user, terms=form.cleaned_data["terms"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The synonyms have been saved."))
            return redirect("knowledge:synonyms")
    return render(
        request,
        "knowledge/synonyms.html",
        {"form": form, "groups": selectors.synonym_groups(), "editing": None},
    )


@permission_required(access.SYNONYMS, raise_exception=True)
def synonym_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(SynonymGroup, pk=pk)
    if request.method == "POST" and request.POST.get("delete"):
        organisation.synonym_group_delete(by=request.user, synonym_group=group)
        messages.success(request, _("The synonym group has been deleted."))
        return redirect("knowledge:synonyms")
    form = SynonymForm(request.POST or None, initial={"terms": group.terms})
    if request.method == "POST" and form.is_valid():
        try:
            organisation.synonym_group_save(
                by=request.user, terms=form.cleaned_data["terms"], synonym_group=group
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The synonyms have been saved."))
            return redirect("knowledge:synonyms")
    return render(
        request,
        "knowledge/synonyms.html",
        {"form": form, "groups": selectors.synonym_groups(), "editing": group},
    )


@permission_required(access.MANAGE, raise_exception=True)
def groups(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/groups.html",
        {"groups": KnowledgeGroup.objects.prefetch_related("reader_roles", "editor_roles")},
    )


@permission_required(access.MANAGE, raise_exception=True)
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(KnowledgeGroup, pk=pk) if pk else None
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation.group_save(
                by=request.user,
                group=group,
                name=data["name"],
                description=data.get("description", ""),
                everyone_reads=data.get("everyone_reads", False),
                reader_roles=list(data.get("reader_roles", [])),
                reader_teams=list(data.get("reader_teams", [])),
                readers=list(data.get("readers", [])),
                editor_roles=list(data.get("editor_roles", [])),
                editors=list(data.get("editors", [])),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The group has been saved."))
            return redirect("knowledge:groups")
    return render(request, "knowledge/group_edit.html", {"form": form, "group": group})


@permission_required("knowledge.change_directory", raise_exception=True)
def directories(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    directory = get_object_or_404(Directory, pk=pk) if pk else None
    initial = (
        {
            "name": directory.name,
            "parent": directory.parent_id,
            "group": directory.group_id,
            "sort_order": directory.sort_order,
        }
        if directory
        else {}
    )
    form = DirectoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation.directory_save(
                by=request.user,
                directory=directory,
                name=data["name"],
                parent=data.get("parent"),
                group=data.get("group"),
                sort_order=data.get("sort_order") or 0,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The directory has been saved."))
            return redirect("knowledge:directories")
    return render(
        request,
        "knowledge/directories.html",
        {"form": form, "directory": directory, "directories": selectors.directory_tree()},
    )
