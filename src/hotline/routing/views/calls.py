"""The call log, a call's page with its steps, and its recording."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hotline.accounts.menu import menu_entry_allowed
from hotline.audit.personal_data import can_unmask, personal_data_reveal
from hotline.catalog.models import StatisticItem
from hotline.pagination import CountlessPaginator
from hotline.routing import labels, selectors
from hotline.routing.forms import CallLogFilterForm
from hotline.telephony.models import CallRecord


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    """The call log: the calls the user may see, newest first, filtered and paged."""
    if not menu_entry_allowed("calls", request.user):
        raise PermissionDenied("calls")
    queues = labels.queue_labels()
    form = CallLogFilterForm(request.GET or None, queues=queues)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    calls = selectors.call_log(request.user, **{k: v for k, v in filters.items() if v})
    page = CountlessPaginator(calls, settings.HOTLINE_PAGE_SIZE).get_page(request.GET.get("page"))
    for call in page:
        call.queue_label = queues.get(call.queue, call.queue)
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "routing/_call_rows.html" if request.headers.get("HX-Request") else "routing/calls.html"
    )
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_for(request, pk)
    steps = list(call.steps.select_related("agent"))
    queues = labels.queue_labels()
    codes = {
        str(step.detail["disposition"]) for step in steps if (step.detail or {}).get("disposition")
    }
    dispositions = {item.code: item.label for item in StatisticItem.objects.filter(code__in=codes)}
    for step in steps:
        step.label = labels.STEP_KINDS.get(step.kind, step.kind)
        step.detail_text = labels.step_detail(step.detail, queues, dispositions)
    return render(
        request,
        "routing/call.html",
        {
            "call": call,
            "steps": steps,
            "queue_label": queues.get(call.queue, call.queue),
            "ivr_steps": labels.ivr_path_steps(call.ivr_path, queues),
            "can_unmask": can_unmask(request.user),
        },
    )


@login_required
@require_POST
def call_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The caller's full number, for a user who may unmask it; the read is audited."""
    call = _call_for(request, pk)
    value = personal_data_reveal(user=request.user, obj=call, field="caller")
    return render(request, "customers/_revealed.html", {"value": value})


@login_required
def call_by_id(request: HttpRequest, call_id: str) -> HttpResponse:
    call = get_object_or_404(CallRecord, call_id=call_id)
    return redirect("routing:call", pk=_call_for(request, call.pk).pk)


@login_required
def call_recording(request: HttpRequest, pk: int) -> FileResponse:
    call = _call_for(request, pk)
    if not call.recording:
        raise Http404
    path = settings.RECORDINGS_DIR / call.recording
    if not path.is_file() or path.resolve().parent != settings.RECORDINGS_DIR.resolve():
        raise Http404
    return FileResponse(path.open("rb"), content_type="audio/wav")


def _call_for(request: HttpRequest, pk: int) -> CallRecord:
    """A call the user may see (``selectors.calls_visible_to``); 404 otherwise."""
    return get_object_or_404(
        selectors.calls_visible_to(request.user).select_related("customer", "agent", "disposition"),
        pk=pk,
    )
