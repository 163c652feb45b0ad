"""The one WebSocket a page opens: pushes for the user and for the topics the page shows."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from hotline.push.fanout import is_broadcast, process_fanout
from hotline.push.topics import topic_allowed

ACL_GROUP = "acl"
MAX_TOPICS = 50
CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCESS_LOST = 4403
# Group joins and leaves in flight at once in this process. Each holds a connection of the
# Redis layer's pool while it runs, and that pool refuses one more than its size (100 by
# default in redis-py 8) instead of waiting: a burst of pages connecting or closing at once
# (a restart, a network blip, 2,000 desks) waits here for its turn instead of failing.
LAYER_OPS_AT_ONCE = 32
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def layer_gate() -> asyncio.Semaphore:
    """The running event loop's limit on group joins and leaves in flight."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(LAYER_OPS_AT_ONCE)
    return gate


def _load_user(user_id: int) -> Any:
    from hotline.accounts.models import User

    return User.objects.filter(pk=user_id).select_related("role").first()


def _allowed_topics(user_id: int, topics: list[str]) -> tuple[bool, list[str]]:
    """(user still active, the topics they may still see)."""
    user = _load_user(user_id)
    if user is None or not user.is_active:
        return False, []
    return True, [topic for topic in topics if topic_allowed(user, topic)]


class PushConsumer(AsyncJsonWebsocketConsumer):
    """Protocol: the client sends ``{"subscribe": ["customer.42", …]}``; the server answers
    ``{"type": "subscribed", "topics": [...], "refused": [...]}`` and then sends
    ``{"type": <event>, "topic": <group>, "data": {...}}`` for every push.

    When an admin changes permissions, roles, regions or the user, every socket re-checks
    its user: a deactivated user, or one who lost a topic they subscribed to, is closed
    (code 4403); the page reconnects and subscribes to what it may still see.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id: int = user.pk
        self.topics: list[str] = []
        self.groups_joined = [f"user.{user.pk}", ACL_GROUP]
        async with layer_gate():
            for group in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in [*getattr(self, "groups_joined", []), *getattr(self, "topics", [])]:
            if is_broadcast(group):
                await process_fanout(self.channel_layer).leave(group, self)
            else:
                async with layer_gate():
                    await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        wanted = content.get("subscribe") if isinstance(content, dict) else None
        if not isinstance(wanted, list):
            await self.send_json({"type": "error", "error": 'expected {"subscribe": [...]}'})
            return
        wanted = [t for t in wanted if isinstance(t, str)][:MAX_TOPICS]
        active, allowed = await database_sync_to_async(_allowed_topics)(self.user_id, wanted)
        if not active:
            await self.close(code=CLOSE_ACCESS_LOST)
            return
        for topic in allowed:
            if topic not in self.topics and len(self.topics) < MAX_TOPICS:
                if is_broadcast(topic):  # one layer message per process, not per socket
                    await process_fanout(self.channel_layer).join(topic, self)
                else:
                    async with layer_gate():
                        await self.channel_layer.group_add(topic, self.channel_name)
                self.topics.append(topic)
        refused = [t for t in wanted if t not in allowed]
        await self.send_json({"type": "subscribed", "topics": allowed, "refused": refused})

    async def push_message(self, message: dict[str, Any]) -> None:
        if message["event"] == "acl.changed":
            await self.recheck_access()
            return
        await self.send_json(
            {"type": message["event"], "topic": message["group"], "data": message["data"]}
        )

    async def recheck_access(self) -> None:
        active, allowed = await database_sync_to_async(_allowed_topics)(self.user_id, self.topics)
        if not active or len(allowed) != len(self.topics):
            await self.close(code=CLOSE_ACCESS_LOST)
