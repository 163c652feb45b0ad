"""A call's page: its steps and its recording."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hotline.audit.personal_data import can_unmask
from hotline.routing import labels, selectors
from hotline.routing.subscribers import SUPERVISE, USE_DESKTOP
from hotline.telephony.models import CallRecord


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_for(request, pk)
    steps = list(call.steps.select_related("agent"))
    for step in steps:
        step.label = labels.STEP_KINDS.get(step.kind, step.kind)
    return render(
        request,
        "routing/call.html",
        {
            "call": call,
            "steps": steps,
            "queue_label": labels.queue_labels().get(call.queue, call.queue),
            "ivr_steps": labels.ivr_path_steps(call.ivr_path, labels.queue_labels()),
            "can_unmask": can_unmask(request.user),
        },
    )


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
    """The agent's own calls; supervisors' agents' calls; 404 otherwise."""
    call = get_object_or_404(
        CallRecord.objects.select_related("customer", "agent", "disposition"), pk=pk
    )
    user = request.user
    if call.agent_id == user.pk and user.has_perm(USE_DESKTOP):
        return call
    if user.has_perm(SUPERVISE) and (
        call.agent_id is None or selectors.supervised_agents(user).filter(pk=call.agent_id).exists()
    ):
        return call
    raise Http404
