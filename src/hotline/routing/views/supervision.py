"""The team lead's live view of their agents and the demo's simulated traffic switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.routing import labels, selectors, services
from hotline.routing.commands import switchboard_command
from hotline.routing.models import TrafficSetting
from hotline.routing.subscribers import SUPERVISE
from hotline.routing.views.desk import error_message


@login_required
@permission_required(SUPERVISE, raise_exception=True)
def team(request: HttpRequest) -> HttpResponse:
    agents = list(
        selectors.supervised_agents(request.user)
        .select_related("agent_status")
        .order_by("username")[:500]
    )
    states, reasons = labels.state_labels(), labels.reason_labels()
    for agent in agents:
        status = getattr(agent, "agent_status", None)
        agent.state_code = status.state if status else "logged_out"
        agent.state_label = states.get(agent.state_code, agent.state_code)
        agent.reason_label = (
            reasons.get(status.reason, status.reason)
            if status and status.state == "not_ready"
            else ""
        )
    return render(
        request,
        "routing/team.html",
        {
            "agents": agents,
            "reasons": selectors.not_ready_reasons(),
            "labels": {"states": states, "reasons": reasons},
            "spy_ops": labels.SPY_OPS,
            "figures": switchboard_command({"op": "figures"}).get("queues") or {},
            "queues": selectors.all_queues(),
        },
    )


@login_required
@permission_required(SUPERVISE, raise_exception=True)
@require_POST
def team_set_state(request: HttpRequest, pk: int) -> HttpResponse:
    agent = selectors.get_supervised_agent_for(request.user, pk)
    try:
        services.agent_state_set(
            agent=agent,
            by=request.user,
            op=request.POST.get("op", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("State changed."))
    except ValidationError as error:
        messages.error(request, "; ".join(m for ms in error.message_dict.values() for m in ms))
    except services.SwitchboardError as error:
        messages.error(request, error_message(error.code))
    return redirect("routing:team")


@login_required
@permission_required(SUPERVISE, raise_exception=True)
@require_POST
def team_supervise(request: HttpRequest, pk: int) -> JsonResponse:
    agent = selectors.get_supervised_agent_for(request.user, pk)
    try:
        services.call_supervise(agent=agent, by=request.user, op=request.POST.get("op", ""))
    except ValidationError as error:
        message = "; ".join(m for ms in error.message_dict.values() for m in ms)
        return JsonResponse({"ok": False, "message": message}, status=400)
    except services.SwitchboardError as error:
        return JsonResponse({"ok": False, "message": error_message(error.code)}, status=409)
    op = request.POST.get("op")
    done = _("Stopped.") if op == "supervise_end" else _("Your phone is connected to the call.")
    return JsonResponse({"ok": True, "message": done})


@login_required
@permission_required("routing.manage_traffic", raise_exception=True)
def traffic(request: HttpRequest) -> HttpResponse:
    setting = TrafficSetting.objects.first() or TrafficSetting()
    errors: dict = {}
    if request.method == "POST":
        typed = {
            "enabled": request.POST.get("enabled") == "on",
            "calls_per_hour": request.POST.get("calls_per_hour", "").strip(),
            "known_share": request.POST.get("known_share", "").strip(),
            "ivr_mix": request.POST.get("ivr_mix", ""),
        }
        numbers: dict[str, int] = {}
        for field in ("calls_per_hour", "known_share"):
            try:
                numbers[field] = int(typed[field])
            except ValueError:
                errors[field] = [_("Give a whole number.")]
        if not errors:
            try:
                services.traffic_update(
                    by=request.user,
                    enabled=typed["enabled"],
                    ivr_mix=typed["ivr_mix"],
                    **numbers,
                )
                messages.success(request, _("Simulated traffic saved."))
                return redirect("routing:traffic")
            except ValidationError as error:
                errors = error.message_dict
        # The form comes back with what was typed and each wrong field named under it.
        setting = TrafficSetting(**typed)
    return render(
        request,
        "routing/traffic.html",
        {
            "setting": setting,
            "errors": errors,
            "mode": settings.SWITCHBOARD["MODE"],
            "call_errors": {},
            "call": {"number": "", "keys": "1"},
        },
        status=400 if errors else 200,
    )


@login_required
@permission_required("routing.manage_traffic", raise_exception=True)
@require_POST
def traffic_call(request: HttpRequest) -> HttpResponse:
    """One simulated caller now, from a given number pressing given keys."""
    number, keys = request.POST.get("number", ""), request.POST.get("keys", "")
    errors: dict = {}
    try:
        services.test_call_place(number=number, keys=keys)
        messages.success(request, _("The call is on its way."))
        return redirect("routing:traffic")
    except ValidationError as error:
        errors = error.message_dict
    except services.SwitchboardError as error:
        errors = {"number": [error_message(error.code)]}
    # Named apart from the dict's own ``keys`` method, which a template would list instead.
    errors = {"number": errors.get("number", []), "keys_pressed": errors.get("keys", [])}
    setting = TrafficSetting.objects.first() or TrafficSetting()
    return render(
        request,
        "routing/traffic.html",
        {
            "setting": setting,
            "errors": {},
            "mode": settings.SWITCHBOARD["MODE"],
            "call_errors": errors,
            "call": {"number": number, "keys": keys},
        },
        status=400,
    )
