"""Broadcast topics fanned out per process, not per socket.

A topic every desk subscribes to (the live queue figures) would otherwise be a channel-layer
group with one member per socket: each push becomes one layer message per desk (2,000
through Redis, or 500 deep copies and queue wake-ups in the in-memory layer). Here each web
process joins such a group once, with one channel of its own, and hands every message it
receives to its own sockets subscribed to the topic. Which topics are broadcast is declared
by the app that owns them (``register_broadcast``); access is still checked per socket when
it subscribes (``topics.topic_allowed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import weakref
from typing import Any

logger = logging.getLogger(__name__)

RENEW_EVERY_S = 3600.0  # channel layers forget group members after a day (group_expiry)
RETRY_S = 1.0
YIELD_EVERY = 50  # sockets written before other messages of the process get their turn

_broadcast: set[str] = set()


def register_broadcast(topic: str) -> None:
    """``topic`` reaches many sockets in each process: fan it out per process."""
    _broadcast.add(topic)


def is_broadcast(topic: str) -> bool:
    return topic in _broadcast


class ProcessFanout:
    """This process's one member of each broadcast group, and the sockets behind it."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.members: dict[str, set[Any]] = {}
        self.channel = ""
        self._listener: asyncio.Task | None = None
        self._ready = asyncio.Event()

    async def join(self, topic: str, consumer: Any) -> None:
        self._start()
        await self._ready.wait()
        sockets = self.members.setdefault(topic, set())
        if not sockets:
            await self.layer.group_add(topic, self.channel)
        sockets.add(consumer)

    async def leave(self, topic: str, consumer: Any) -> None:
        sockets = self.members.get(topic)
        if sockets is None:
            return
        sockets.discard(consumer)
        if not sockets and self.channel:
            del self.members[topic]
            with contextlib.suppress(Exception):
                await self.layer.group_discard(topic, self.channel)

    def _start(self) -> None:
        if self._listener is None or self._listener.done():
            self._ready.clear()
            # A context of its own: the listener outlives the socket that started it, and
            # that socket's context (its fixed thread, ``web_threads.PooledSocketThreads``)
            # refuses synchronous calls once the socket has closed.
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(), name="push-fanout", context=contextvars.Context()
            )

    async def _listen(self) -> None:
        """1. take a channel, join the groups of the topics with sockets here; 2. deliver
        every message to each socket of its topic; on a layer failure start again."""
        loop = asyncio.get_running_loop()
        while True:
            receiving: asyncio.Future | None = None
            try:
                self.channel = await self.layer.new_channel(prefix="fanout.")
                for topic in list(self.members):
                    await self.layer.group_add(topic, self.channel)
                self._ready.set()
                renew_at = loop.time() + RENEW_EVERY_S
                while True:
                    # The receive is never cancelled to renew: the pub/sub layer forgets a
                    # channel whose receive is cancelled (decision 0024).
                    if receiving is None:
                        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
                    timeout = max(0.0, renew_at - loop.time())
                    done, _ = await asyncio.wait({receiving}, timeout=timeout)
                    if not done:
                        for topic in list(self.members):
                            await self.layer.group_add(topic, self.channel)
                        renew_at = loop.time() + RENEW_EVERY_S
                        continue
                    message, receiving = receiving.result(), None
                    await self._deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("push fan-out listener failed; starting it again")
                await asyncio.sleep(RETRY_S)
            finally:
                if receiving is not None:
                    receiving.cancel()

    async def _deliver(self, message: dict[str, Any]) -> None:
        for n, consumer in enumerate(list(self.members.get(message.get("group", ""), ())), 1):
            try:
                await consumer.push_message(message)
            except Exception:  # one closed socket must not keep the others waiting
                logger.debug("fan-out to a socket failed", exc_info=True)
            if n % YIELD_EVERY == 0:
                # 2,000 desks' figures are written without a pause otherwise: a screen pop
                # for one of them would wait for all.
                await asyncio.sleep(0)


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProcessFanout] = (
    weakref.WeakKeyDictionary()
)


def process_fanout(layer: Any) -> ProcessFanout:
    """The fan-out of the running loop (one per web process; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None or fanout.layer is not layer:
        fanout = _fanouts[loop] = ProcessFanout(layer)
    return fanout
