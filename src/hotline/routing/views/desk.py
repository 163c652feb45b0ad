"""The agent desktop: the page, its commands, its state after a reconnect, the screen pop,
wrap-up and the agent's last calls."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.audit.personal_data import can_unmask
from hotline.catalog.models import StatisticItem
from hotline.customers.edit_views import NEW_CUSTOMER_PHONE
from hotline.ids import parse_id
from hotline.routing import hooks, labels, selectors, services
from hotline.routing.commands import switchboard_command
from hotline.routing.models import AgentStatus
from hotline.routing.subscribers import QUEUES_TOPIC, SUPERVISE, USE_DESKTOP
from hotline.telephony.models import CallRecord

AGENT_OPS = {
    "login",
    "logout",
    "ready",
    "not_ready",
    "answer",
    "hangup",
    "hold",
    "unhold",
    "transfer",
    "consult",
    "consult_complete",
    "consult_cancel",
    "conference_add",
    "conference_drop",
    "wrap_up_done",
}
ERRORS = {
    "switchboard_unavailable": gettext_lazy("The switchboard is not running."),
    "switchboard_timeout": gettext_lazy("The switchboard did not answer in time."),
    "invalid_state": gettext_lazy("Not possible in your current state."),
    "reason_required": gettext_lazy("Choose a reason."),
    "agent_not_ready": gettext_lazy("That agent is not ready."),
    "unknown_queue": gettext_lazy("No such queue."),
    "target_required": gettext_lazy("Choose a queue, an agent or a number."),
    "no_call": gettext_lazy("You have no call."),
    "nothing_to_answer": gettext_lazy("Nothing is ringing."),
    "not_talking": gettext_lazy("You are not talking to the caller."),
    "not_on_hold": gettext_lazy("The call is not on hold."),
    "not_consulting": gettext_lazy("You are not consulting anyone."),
    "consult_not_answered": gettext_lazy("The other agent has not answered yet."),
    "already_consulting": gettext_lazy("Finish the consultation first."),
    "in_conference": gettext_lazy("Not possible during a conference."),
    "conference_full": gettext_lazy("The conference is full."),
    "no_party": gettext_lazy("Nobody else is on the call."),
    "bad_number": gettext_lazy("Give a number of 3 to 20 digits."),
    "not_your_call": gettext_lazy("Only the agent who has the caller can do this."),
    "not_an_agent": gettext_lazy("You have no skills: ask an admin to add you to a queue."),
    "not_simulated": gettext_lazy("This switch is a real one: no simulated callers."),
    "disposition_required": gettext_lazy(
        "Disposition: choose the statistic item of your last call and save its wrap-up first."
    ),
}
# What ends an agent's wrap-up from the desk besides saving it.
LEAVES_WRAP_UP = {"wrap_up_done", "not_ready", "logout"}


def error_message(code: str) -> str:
    return str(ERRORS.get(code, _("Not possible now.")))


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
def desk(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = AgentStatus.objects.filter(agent=user).first()
    queues = selectors.agent_queues(user)
    config = {
        "topics": [f"agent.{user.pk}", QUEUES_TOPIC],
        "urls": {
            "command": reverse("routing:command"),
            "state": reverse("routing:state"),
            "pop": reverse("routing:pop", args=["CALL"]),
            "wrap": reverse("routing:wrap_up", args=["CALL"]),
            "call": reverse("routing:call_by_id", args=["CALL"]),
        },
        "states": labels.state_labels(),
        "reasons": labels.reason_labels(),
        "queues": {queue.code: queue.label for queue in queues},
        "text": {
            "offered": _("Incoming call"),
            "consult_offer": _("A colleague calls you in on their call"),
            "callback": _("Callback to a customer"),
            "unknown": _("Unknown caller"),
            "reconnecting": _("Reconnecting…"),
            "abandoned": _("The caller hung up."),
            "pending": _("After this call: %(state)s"),
            "wrapped": _("Wrapped up."),
            "wrap_late": _("Wrap-up time is over: you are ready again. Save the call anyway."),
            "idle_logged_out": _("You are logged out of the phone. Log in to take calls."),
            "idle_not_ready": _("You are not ready. Press Ready when you can take calls."),
            "idle_ready": _("Ready: waiting for a call."),
            "ringing_title": _("Ringing"),
        },
    }
    return render(
        request,
        "routing/desk.html",
        {
            "status": status,
            "reasons": selectors.not_ready_reasons(),
            "queues": queues,
            "dispositions": StatisticItem.objects.active().for_calls(),
            "transfer_agents": selectors.transfer_agents(user),
            "transfer_queues": selectors.all_queues(),
            "recent": selectors.recent_calls(user),
            "desk_config": config,
            "scripts_known": hooks.call_scripts_known(),
        },
    )


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
@require_POST
def desk_command(request: HttpRequest) -> JsonResponse:
    op = request.POST.get("op", "")
    if op not in AGENT_OPS:
        return JsonResponse(
            {"ok": False, "error": "unknown_op", "message": _("Unknown action.")}, status=400
        )
    if op in services.PARTY_OPS:
        try:
            result = services.call_party(
                agent=request.user,
                op=op,
                to_agent=request.POST.get("to_agent"),
                number=request.POST.get("number", ""),
            )
        except services.SwitchboardError as error:
            message = error_message(error.code)
            return JsonResponse({"ok": False, "error": error.code, "message": message}, status=409)
        return JsonResponse(result)
    if op in LEAVES_WRAP_UP:
        owed = selectors.wrap_up_owed(request.user)
        if owed is not None:
            code = "disposition_required"
            return JsonResponse(
                {
                    "ok": False,
                    "error": code,
                    "message": error_message(code),
                    "call_id": owed.call_id,
                },
                status=409,
            )
    command: dict = {"op": op, "agent": request.user.pk, "reason": request.POST.get("reason", "")}
    for key in ("queue", "to_agent", "number"):
        if request.POST.get(key):
            command[key] = request.POST[key]
    result = switchboard_command(command)
    if not result.get("ok"):
        result["message"] = error_message(result.get("error", ""))
    return JsonResponse(result, status=200 if result.get("ok") else 409)


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
def desk_state(request: HttpRequest) -> JsonResponse:
    """What the desktop reloads after its socket reconnects."""
    result = switchboard_command({"op": "snapshot", "agent_view": request.user.pk})
    if not result.get("ok"):
        return JsonResponse(
            {"ok": False, "message": error_message(result.get("error", "")), "queues": {}}
        )
    mine = (result.get("agents") or {}).get(str(request.user.pk))
    codes = {queue.code for queue in selectors.agent_queues(request.user)}
    figures = {code: f for code, f in (result.get("queues") or {}).items() if code in codes}
    return JsonResponse({"ok": True, "agent": mine, "queues": figures})


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
def desk_pop(request: HttpRequest, call_id: str) -> HttpResponse:
    """The screen pop's panel: the caller's customer (360 excerpt) or a new-customer link."""
    call = selectors.call_for_desk(request.user, call_id)
    context = selectors.screen_pop(request.user, call)
    context["can_unmask"] = can_unmask(request.user)
    context["scripts_known"] = hooks.call_scripts_known()
    return render(request, "routing/_pop.html", context)


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
def desk_recent(request: HttpRequest) -> HttpResponse:
    return render(request, "routing/_recent.html", {"recent": selectors.recent_calls(request.user)})


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
@require_POST
def desk_wrap_up(request: HttpRequest, call_id: str) -> JsonResponse:
    call = selectors.call_for_desk(request.user, call_id)
    disposition = None
    chosen = request.POST.get("disposition", "")
    if chosen:
        items = StatisticItem.objects.active().for_calls()
        chosen_id = parse_id(chosen)
        disposition = items.filter(pk=chosen_id).first() if chosen_id else None
        if disposition is None:
            return JsonResponse(
                {"ok": False, "errors": {"disposition": [_("Unknown item.")]}}, status=400
            )
    try:
        services.call_wrap_up(
            call=call,
            by=request.user,
            disposition=disposition,
            note=request.POST.get("note", "")[:2000],
        )
    except ValidationError as error:
        return JsonResponse({"ok": False, "errors": error.message_dict}, status=400)
    return JsonResponse({"ok": True})


@login_required
@permission_required(USE_DESKTOP, raise_exception=True)
def desk_new_customer(request: HttpRequest, call_id: str) -> HttpResponse:
    """From an unknown caller's pop to the new-customer form with the number filled in (the
    number itself never sits in the pop's page)."""
    call = selectors.call_for_desk(request.user, call_id)
    try:
        url = reverse("customers:new")
    except NoReverseMatch:
        return redirect(f"{reverse('customers:list')}?{urlencode({'q': call.caller})}")
    # Through the session, not the address: a caller's number in a URL stays in the browser's
    # history and the server's access log.
    request.session[NEW_CUSTOMER_PHONE] = call.caller
    return redirect(f"{url}?from=call")


@login_required
@require_POST
def desk_script_path(request: HttpRequest, call_id: str) -> HttpResponse:
    """The path the agent took through the call's script (the answers chosen, in order),
    kept by the knowledge app; answers the script at its new place. The agent of the call
    and the team lead of that agent may post it."""
    user = request.user
    call = get_object_or_404(CallRecord, call_id=call_id)
    allowed = False
    if user.has_perm(USE_DESKTOP):
        try:
            selectors.call_for_desk(user, call_id)
            allowed = True
        except Http404:
            pass
    if not allowed and user.has_perm(SUPERVISE) and call.agent_id:
        allowed = selectors.supervised_agents(user).filter(pk=call.agent_id).exists()
    if not allowed or not hooks.call_script_path_known():
        raise Http404
    raw = request.POST.get("answers", "")
    answers = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        html = hooks.record_call_script_path(call, request.POST.get("version", ""), answers, user)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"answers": error.messages}
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    return HttpResponse(html)
