"""One command interface to the switchboard, whatever the topology.

``switchboard_command({"op": "ready", "agent": 7})`` from a (sync) view:
- the switchboard runs in this process (embedded set-up, under the web process's lifespan):
  the command runs on its loop directly;
- it runs in another process (``hotline switchboard``, production): the command travels
  over the shared channel layer to the ``switchboard`` group, which only the active
  switchboard joins, and the answer comes back on a reply channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings

from hotline.routing import runtime

logger = logging.getLogger(__name__)
GROUP = "switchboard"
UNAVAILABLE = {"ok": False, "error": "switchboard_unavailable"}
COMMANDS_AT_ONCE = 256  # commands the switchboard process works on at once, at most


def switchboard_command(command: dict[str, Any]) -> dict[str, Any]:
    timeout = settings.SWITCHBOARD["COMMAND_TIMEOUT_S"]
    service = runtime.current()
    if service is not None and service.loop is not None:
        future = asyncio.run_coroutine_threadsafe(
            service.switchboard.command(command), service.loop
        )
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            return {"ok": False, "error": "switchboard_timeout"}
    from hotline.push.send import shared_layer

    if shared_layer():
        try:
            return async_to_sync(_remote)(command, timeout)
        except TimeoutError:
            return {"ok": False, "error": "switchboard_timeout"}
    return dict(UNAVAILABLE)


async def _remote(command: dict[str, Any], timeout: float, *, layer: Any = None) -> dict[str, Any]:
    if layer is None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
    reply = await layer.new_channel()
    await layer.group_send(
        GROUP, {"type": "switchboard.command", "command": command, "reply_to": reply}
    )
    message = await asyncio.wait_for(layer.receive(reply), timeout)
    await _forget_channel(layer, reply)
    return message["result"]


async def _forget_channel(layer: Any, channel: str) -> None:
    """Let the layer drop the one-off reply channel. channels_redis's pub/sub layer keeps a
    channel subscribed until a receive on it is cancelled (that is its clean-up path; there
    is no call to delete a channel), so a reply channel left alone would stay subscribed for
    the life of the process, one per desk command."""
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)  # the receive starts and waits for a message
    receiving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await receiving


async def serve_commands(
    service: Any, *, layer: Any = None, refresh_s: float = 300.0, retry_s: float = 1.0
) -> None:
    """In the active switchboard process: answer commands arriving over the channel layer.

    Runs as long as the switchboard: a broken connection to the layer (Redis restarted, a
    network hiccup) is logged and the listener starts again after ``retry_s``, and the
    membership of the ``switchboard`` group, which the layer forgets after a while
    (channels_redis: a day), is renewed every ``refresh_s``.
    """
    if layer is None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
    in_flight: set[asyncio.Task] = set()
    gate = asyncio.Semaphore(COMMANDS_AT_ONCE)

    def done(task: asyncio.Task) -> None:
        in_flight.discard(task)
        gate.release()

    while True:
        channel, failed = "", False
        renew: asyncio.Task | None = None
        try:
            channel = await layer.new_channel()
            await layer.group_add(GROUP, channel)
            renew = asyncio.create_task(_renew_membership(layer, channel, refresh_s))
            while True:
                message = await layer.receive(channel)
                # Each command in a task of its own: they take the switchboard's lock in the
                # order they arrived, and one waiting for its rows to be committed does not
                # hold up the next one.
                await gate.acquire()
                task = asyncio.create_task(_answer(service, layer, message))
                in_flight.add(task)
                task.add_done_callback(done)
        except asyncio.CancelledError:
            if in_flight:
                await asyncio.wait(list(in_flight), timeout=5)
            raise
        except Exception:
            logger.exception("switchboard command listener failed; starting it again")
            failed = True
        finally:
            if renew is not None:
                renew.cancel()
            if channel:
                try:
                    await layer.group_discard(GROUP, channel)
                except Exception:  # the layer may be what failed
                    logger.warning("could not leave the switchboard group", exc_info=True)
        if failed:
            await asyncio.sleep(retry_s)


async def _answer(service: Any, layer: Any, message: dict[str, Any]) -> None:
    try:
        result = await service.switchboard.command(message["command"])
    except Exception:
        logger.exception("switchboard command failed")
        result = {"ok": False, "error": "internal"}
    try:
        await layer.send(message["reply_to"], {"type": "switchboard.reply", "result": result})
    except Exception:  # the layer failed: the desk's request times out and says so
        logger.warning("could not answer a switchboard command", exc_info=True)


async def _renew_membership(layer: Any, channel: str, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await layer.group_add(GROUP, channel)
        except Exception:
            logger.warning("could not renew the switchboard group membership", exc_info=True)
