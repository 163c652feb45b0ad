"""A call script's walk as HTML: on the desktop (each answer is posted as the path taken)
and in the editor's preview (each answer reloads the preview)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from hotline.ids import parse_id
from hotline.knowledge.access import readable_articles
from hotline.knowledge.models import Article, CallScript, CallScriptVersion
from hotline.knowledge.services.script_trees import Walk


def _labels(model: str, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    app, name = model.split(".")
    if not apps.is_installed(f"hotline.{app}"):
        return {}
    rows = apps.get_model(app, name).objects.filter(code__in=sorted(codes))
    return {row.code: str(row.label) for row in rows}


def _readable(user: Any) -> Any:
    """Articles whose titles a link step may show: those ``user`` reads; without a user,
    published articles for everyone (no group that restricts readers, no area)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return readable_articles(user)
    return Article.objects.published().filter(
        Q(group__isnull=True) | Q(group__everyone_reads=True), region__isnull=True
    )


def walk_items(walked: Walk, *, call: Any = None, user: Any = None) -> list[dict[str, Any]]:
    """The steps shown, each with what the template needs: for a question its answers with
    the path each one leads to, for a suggestion the labels and the work-order link."""
    order_types = {s.get("order_type") for s in walked.steps if s.get("order_type")}
    items = {s.get("statistic_item") for s in walked.steps if s.get("statistic_item")}
    article_ids = {parse_id(s.get("article")) for s in walked.steps} - {None}
    order_labels = _labels("tickets.OrderType", order_types)
    item_labels = _labels("catalog.StatisticItem", items)
    titles = dict(_readable(user).filter(pk__in=sorted(article_ids)).values_list("pk", "title"))
    order_url = ""
    if call is not None:
        from hotline.routing import hooks

        order_url = hooks.work_order_url(call)
    chosen = walked.answers
    shown: list[dict[str, Any]] = []
    asked = 0
    for step in walked.steps:
        item: dict[str, Any] = {
            "step": step,
            "type": step.get("type"),
            "text": step.get("text", ""),
        }
        if step.get("type") == "ask":
            before = chosen[:asked]
            picked = chosen[asked] if asked < len(chosen) else None
            item["answers"] = [
                {
                    "id": answer["id"],
                    "label": answer.get("label", ""),
                    "chosen": answer["id"] == picked,
                    "path": ",".join([*before, answer["id"]]),
                }
                for answer in step.get("answers") or []
            ]
            item["waiting"] = picked is None
            asked += 1
        elif step.get("type") == "suggest":
            code = step.get("order_type") or ""
            item["order_type"] = order_labels.get(code, code)
            if code and order_url:
                joiner = "&" if "?" in order_url else "?"
                item["order_url"] = f"{order_url}{joiner}{urlencode({'type': code})}"
            code = step.get("statistic_item") or ""
            item["statistic_item"] = item_labels.get(code, code)
        elif step.get("type") == "link":
            pk = parse_id(step.get("article")) or 0
            item["article_title"] = titles.get(pk, "")
            item["article_url"] = reverse("knowledge:article", args=[pk]) if pk in titles else ""
        shown.append(item)
    return shown


def render_walk(
    *,
    script: CallScript,
    version: CallScriptVersion | None,
    walked: Walk,
    call: Any = None,
    user: Any = None,
    preview_url: str = "",
) -> str:
    """The walk as the fragment swapped in place after every answer."""
    post_url = ""
    if call is not None:
        post_url = reverse("routing:script_path", args=[call.call_id])
    return render_to_string(
        "knowledge/_script_walk.html",
        {
            "script": script,
            "version": version,
            "items": walk_items(walked, call=call, user=user),
            "finished": walked.finished,
            "post_url": post_url,
            "preview_url": preview_url,
            "restart_path": "",
        },
    )
