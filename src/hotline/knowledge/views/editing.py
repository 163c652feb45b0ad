"""Pages for knowledge editors: the desk, writing, review and publication, versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.knowledge import access, selectors
from hotline.knowledge.forms import ArticleForm
from hotline.knowledge.models import Article, ArticleVersion
from hotline.knowledge.services import articles as article_services
from hotline.knowledge.services.organisation import attachment_upload
from hotline.knowledge.views.reading import text_diff


@permission_required(access.EDIT, raise_exception=True)
def desk(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/desk.html", selectors.editor_desk(request.user))


def _form_errors(form: ArticleForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error)


@permission_required(access.ADD, raise_exception=True)
def article_new(request: HttpRequest) -> HttpResponse:
    groups = selectors.groups_for(request.user)
    initial = {"kind": request.GET.get("kind") or Article.Kind.ARTICLE}
    form = ArticleForm(request.POST or None, initial=initial, groups=groups, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            article = article_services.article_create(data=form.article_data(), by=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied as error:
            form.add_error("group", str(error))
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": None})


@permission_required(access.EDIT, raise_exception=True)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk, edit=True)
    groups = selectors.groups_for(request.user)
    form = ArticleForm(
        request.POST or None,
        initial=ArticleForm.initial_for(article),
        groups=groups,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            article_services.article_update(
                article=article,
                data=form.article_data(),
                by=request.user,
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied as error:
            form.add_error("group", str(error))
        else:
            messages.success(request, _("The article has been saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": article})


ACTIONS = {
    "submit": (article_services.article_submit, _("The article is waiting for review.")),
    "return": (article_services.article_return, _("The article went back to draft.")),
    "publish": (article_services.article_publish, _("The article is published.")),
    "archive": (article_services.article_archive, _("The article is archived.")),
    "reopen": (article_services.article_reopen, _("The article is a draft again.")),
}


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def article_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(action)
    article = access.get_article_for(request.user, pk, edit=True)
    service, done = ACTIONS[action]
    try:
        service(article=article, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("You may not do this to the article."))
    else:
        messages.success(request, done)
    return redirect("knowledge:article", pk=article.pk)


@permission_required(access.EDIT, raise_exception=True)
def article_versions(request: HttpRequest, pk: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk, edit=True)
    versions = list(article.versions.select_related("created_by"))
    numbers = [v.number for v in versions]
    diff = None
    left = right = None
    if len(versions) >= 2:
        try:
            a = int(request.GET.get("a", numbers[1]))
            b = int(request.GET.get("b", numbers[0]))
        except ValueError:
            a, b = numbers[1], numbers[0]
        by_number = {v.number: v for v in versions}
        left, right = by_number.get(a), by_number.get(b)
        if left and right:
            diff = text_diff(
                f"{left.title}\n{left.body_text}\n{' '.join(left.tags)}",
                f"{right.title}\n{right.body_text}\n{' '.join(right.tags)}",
            )
    return render(
        request,
        "knowledge/versions.html",
        {"article": article, "versions": versions, "diff": diff, "left": left, "right": right},
    )


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def article_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk, edit=True)
    version = get_object_or_404(ArticleVersion, article=article, number=number)
    article_services.article_restore_version(article=article, version=version, by=request.user)
    messages.success(
        request, _("Version %(number)s has been restored as a new version.") % {"number": number}
    )
    return redirect("knowledge:versions", pk=article.pk)


@permission_required(access.EDIT, raise_exception=True)
@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    """The editor's uploader: answers in the shape Jodit reads (``files`` with URLs)."""
    files = request.FILES.getlist("files[]") or request.FILES.getlist("file")
    if not files:
        return JsonResponse({"success": False, "error": _("Choose a file.")}, status=400)
    urls, names, images = [], [], []
    for upload_file in files:
        try:
            attachment = attachment_upload(by=request.user, upload=upload_file)
        except ValidationError as error:
            return JsonResponse({"success": False, "error": " ".join(error.messages)}, status=400)
        urls.append(reverse("knowledge:file", args=[attachment.pk]))
        names.append(attachment.name)
        images.append(attachment.content_type.startswith("image/"))
    return JsonResponse(
        {
            "success": True,
            "data": {
                "baseurl": "",
                "files": urls,
                "names": names,
                "isImages": images,
                "messages": [],
            },
        }
    )
