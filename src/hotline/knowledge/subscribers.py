"""What the knowledge base does with its events: open pages learn of them at once."""

from __future__ import annotations

from typing import Any

from hotline.events import Event
from hotline.ids import parse_id
from hotline.push.send import push_send

AREA_TOPIC = "kbarea"
DESK_TOPIC = "kbdesk"


def push_announcement(event: Event) -> None:
    """An announcement published, changed or withdrawn: pages of that area refresh it.

    Pages subscribe to ``kbarea.<region id>`` for their area and every region above it,
    ``kbarea.all`` for announcements for everywhere, and whole-city users to
    ``kbarea.every`` (every area's announcements).
    """
    article = event.data.get("article") or {}
    region = article.get("region")
    push_send(
        f"{AREA_TOPIC}.{region or 'all'}",
        event.name,
        {"id": article.get("id"), "title": article.get("title"), "status": article.get("status")},
    )
    if region:  # whole-city users watch every area at once
        push_send(f"{AREA_TOPIC}.every", event.name, {"id": article.get("id"), "region": region})
    push_send(f"{DESK_TOPIC}.all", event.name, {"id": article.get("id")})


def push_article(event: Event) -> None:
    """Editors' desks refresh when an article moves through review and publication."""
    if event.name in {"article.voted", "article.read_confirmed"}:
        return
    article = event.data.get("article") or {}
    push_send(
        f"{DESK_TOPIC}.all", event.name, {"id": article.get("id"), "status": article.get("status")}
    )


def area_topic_allowed(user: Any, key: str) -> bool:
    from hotline.knowledge.access import knowledge_scope

    scope = knowledge_scope(user)
    if not scope.can_read:
        return False
    if key == "all":
        return True
    if key == "every":
        return scope.region_ids is None
    area = parse_id(key)
    return area is not None and scope.sees_area(area)


def desk_topic_allowed(user: Any, key: str) -> bool:
    return key == "all" and user.has_perm("knowledge.change_article")
