"""Hooks other pages include: the home page's announcements and must-reads, the customer
page's area announcements and suggestions."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("knowledge/_home_panel.html", takes_context=True)
def kb_home_panel(context: dict[str, Any]) -> dict[str, Any]:
    from hotline.knowledge.views.panels import home_panel_context

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"kb_visible": False}
    return {"request": request, **home_panel_context(request.user)}


@register.inclusion_tag("knowledge/_customer_panel_body.html", takes_context=True)
def kb_customer_panel(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    from hotline.knowledge.views.panels import customer_panel_context

    request = context.get("request")
    if request is None or customer is None:
        return {"kb_visible": False}
    return {
        "request": request,
        "customer": customer,
        **customer_panel_context(request.user, customer.region),
    }
