"""Pages for readers: search and browse, an article, confirm, vote, files, receipts."""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.knowledge import access, selectors
from hotline.knowledge.forms import SearchForm
from hotline.knowledge.models import Article, Attachment
from hotline.knowledge.search.engine import article_search
from hotline.knowledge.services.reading import article_confirm_read, article_vote
from hotline.pagination import CountlessPaginator


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


@permission_required(access.VIEW, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    text = (filters.get("q") or "").strip()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "text": text,
        "query": query.urlencode(),
        "directories": selectors.directory_tree(),
        "must_read": selectors.must_read_pending(request.user),
        "announcements": selectors.announcements_for_user(request.user),
    }
    if text:
        context["result"] = article_search(
            user=request.user,
            text=text,
            directory=filters.get("directory"),
            tag=filters.get("tag"),
            kinds=[filters["kind"]] if filters.get("kind") else None,
            area=filters.get("area"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            page=_page_number(request),
        )
    else:
        paginator = CountlessPaginator(
            selectors.article_browse(
                request.user,
                directory=filters.get("directory"),
                tag=filters.get("tag"),
                kind=filters.get("kind") or "",
                area=filters.get("area"),
            ),
            settings.HOTLINE_PAGE_SIZE,
        )
        context["page"] = paginator.get_page(request.GET.get("page"))
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "kb-results":
        return render(request, "knowledge/_results.html", context)
    return render(request, "knowledge/index.html", context)


@permission_required(access.VIEW, raise_exception=True)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk)
    return render(request, "knowledge/article.html", _article_context(request, article))


def _article_context(request: HttpRequest, article: Article) -> dict:
    user = request.user
    vote = article.votes.filter(user=user).first()
    return {
        "article": article,
        "tags": list(article.tags.all()),
        "contacts": list(article.contacts.all()) if article.kind == Article.Kind.CONTACTS else [],
        "can_edit": access.can_edit_article(user, article),
        "can_publish": user.has_perm(access.PUBLISH),
        "confirmed": selectors.has_confirmed(user, article),
        "vote": vote,
        "now": timezone.now(),
        "area_fault": article.area_fault if article.area_fault_id else None,
        "area_fault_visible": _sees_area_fault(user, article),
    }


def _sees_area_fault(user: Any, article: Article) -> bool:
    """Whether the article's area fault page opens for ``user`` (its link is shown)."""
    if not article.area_fault_id:
        return False
    from hotline.tickets.apps import VIEW_AREA_FAULT
    from hotline.tickets.models import AreaFault

    return (
        user.has_perm(VIEW_AREA_FAULT)
        and AreaFault.objects.visible_to(user).filter(pk=article.area_fault_id).exists()
    )


@permission_required(access.VIEW, raise_exception=True)
@require_POST
def article_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk)
    try:
        article_confirm_read(article=article, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: your confirmation has been recorded."))
    return redirect("knowledge:article", pk=article.pk)


@permission_required(access.VIEW, raise_exception=True)
@require_POST
def article_vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = access.get_article_for(request.user, pk)
    useful = request.POST.get("useful")
    if useful not in {"1", "0"}:
        return HttpResponse(_("useful: expected 1 or 0."), status=400)
    try:
        article_vote(article=article, by=request.user, useful=useful == "1")
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    article.refresh_from_db(fields=["useful_count", "not_useful_count"])
    if request.headers.get("HX-Request"):
        return render(request, "knowledge/_vote.html", _article_context(request, article))
    return redirect("knowledge:article", pk=article.pk)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    article = attachment.article
    if article is None:
        allowed = request.user.has_perm(access.EDIT)
    else:
        allowed = access.can_read_article(request.user, article)
    if not allowed:
        raise Http404("no such file")
    inline = attachment.content_type.startswith("image/")
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@permission_required(access.RECEIPTS, raise_exception=True)
def receipts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/receipts.html",
        {
            "rows": selectors.receipts_overview(request.user),
            "basis": selectors.receipt_basis(request.user),
        },
    )


@permission_required(access.RECEIPTS, raise_exception=True)
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk, must_read=True, status=Article.Status.PUBLISHED)
    pending, confirmed = selectors.receipt_people(request.user, article)
    return render(
        request,
        "knowledge/receipt_detail.html",
        {
            "article": article,
            "pending": pending,
            "confirmed": confirmed,
            "basis": selectors.receipt_basis(request.user),
        },
    )


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line by line: ("same" | "added" | "removed", text)."""
    rows = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        code, text = line[:2], line[2:]
        if code == "  ":
            rows.append(("same", text))
        elif code == "+ ":
            rows.append(("added", text))
        elif code == "- ":
            rows.append(("removed", text))
    return rows


def query_string(**params: object) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
