"""Small htmx fragments other pages include: suggestions, area announcements, must-reads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.accounts.models import Region
from hotline.accounts.scope import regions_in_scope
from hotline.ids import parse_id
from hotline.knowledge import selectors
from hotline.knowledge.access import knowledge_scope
from hotline.knowledge.suggest import suggestions_for


def _region(request: HttpRequest) -> Region | None:
    """The ``region`` parameter, if it names a region the user works in (else ignored)."""
    value = parse_id(request.GET.get("region", ""))
    if value is None:
        return None
    region = Region.objects.filter(pk=value).first()
    scope = regions_in_scope(request.user)
    if region is None or (scope is not None and region.pk not in scope):
        return None
    return region


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """Suggestions for a statistic item, order type, IVR choice, region and typed text.

    ``?item=<statistic item code>&order_type=<code>&ivr=<choice>&region=<id>&q=<text>``;
    the order form and the agent desktop include it like the customer page does.
    """
    if not knowledge_scope(request.user).can_read:
        return HttpResponse("")
    found = suggestions_for(
        request.user,
        statistic_item=request.GET.get("item", "")[:60],
        order_type=request.GET.get("order_type", "")[:60],
        ivr_choice=request.GET.get("ivr", "")[:60],
        region=_region(request),
        text=request.GET.get("q", "")[:200],
    )
    return render(request, "knowledge/_suggestions.html", {"suggestions": found})


@login_required
def home_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/_home_panel.html", home_panel_context(request.user))


def home_panel_context(user) -> dict:  # type: ignore[no-untyped-def]
    if not knowledge_scope(user).can_read:
        return {"kb_visible": False}
    announcements = selectors.announcements_for_user(user)
    return {
        "kb_visible": True,
        "announcements": announcements,
        "must_read": selectors.must_read_pending(user),
        "topics": area_topics(user),
    }


def area_topics(user, region: Region | None = None) -> str:  # type: ignore[no-untyped-def]
    """Push topics for announcements a page shows: its area and the regions above it."""
    if region is not None:
        from hotline.knowledge.search.engine import region_above_ids

        ids = region_above_ids(region)
    else:
        scope = knowledge_scope(user)
        if scope.region_ids is None:
            return "kbarea.all kbarea.every"
        ids = sorted(scope.region_ids)[:48]
    return " ".join(["kbarea.all", *(f"kbarea.{pk}" for pk in ids)])


@login_required
def customer_panel(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    return render(
        request, "knowledge/_customer_panel_body.html", customer_panel_context(request.user, region)
    )


def customer_panel_context(user, region: Region | None) -> dict:  # type: ignore[no-untyped-def]
    if region is None or not knowledge_scope(user).can_read:
        return {"kb_visible": False}
    return {
        "kb_visible": True,
        "region": region,
        "suggestions": suggestions_for(user, region=region),
        "topics": area_topics(user, region),
    }
