"""IVR flows as a tree: validation before publishing and a walker for calls and previews.

A flow is a JSON tree of nodes, each ``{"id": ..., "type": ..., ...}``:

- ``menu``: ``prompt``, ``options`` {digit: node}, optional ``timeout``/``invalid`` node;
  waits for one DTMF digit (``retries`` times, then ``timeout`` or hang-up).
- ``play``: ``message``, ``next``.
- ``hours``: ``calendar`` (code, may be empty for the default), ``open``, ``closed``.
- ``balance``: reads the caller's balance/arrears through the BOSS port, ``next``.
- ``area_fault``: tells the caller about an open area fault of their region, ``next``.
- ``queue``: ``queue`` (code), ``priority`` (added to the call's priority) — a leaf.
- ``callback``: ``queue`` — leaves a callback request, a leaf.
- ``hangup``: ``message`` — a leaf.
- ``goto``: ``target`` (the id of a menu) — to repeat a menu.

Every node may carry a ``label``: what admins see in the editor and agents in the screen
pop's IVR path (the walk records it with the node).

Validation refuses dead ends (a node with a missing exit), unknown queues, duplicate ids,
and loops that never wait for the caller (a ``goto`` cycle through no menu).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

NODE_TYPES = {
    "menu",
    "play",
    "hours",
    "balance",
    "area_fault",
    "queue",
    "callback",
    "hangup",
    "goto",
}
LEAVES = {"queue", "callback", "hangup"}
DIGITS = set("0123456789*#")
CHILD_KEYS = {
    "menu": ("timeout", "invalid"),
    "play": ("next",),
    "hours": ("open", "closed"),
    "balance": ("next",),
    "area_fault": ("next",),
}
REQUIRED = {
    "play": ("next",),
    "hours": ("open", "closed"),
    "balance": ("next",),
    "area_fault": ("next",),
}


@dataclass(frozen=True)
class Problem:
    node: str
    code: str
    message: str
    detail: str = ""  # the key, branch or queue concerned (for the editor's wording)


def iter_nodes(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path or "root", node
    if not isinstance(node, dict):
        return
    for key in CHILD_KEYS.get(node.get("type", ""), ()):
        child = node.get(key)
        if isinstance(child, dict):
            yield from iter_nodes(child, f"{path}/{key}")
    if node.get("type") == "menu":
        for digit, child in sorted((node.get("options") or {}).items()):
            if isinstance(child, dict):
                yield from iter_nodes(child, f"{path}/{digit}")


def choice_names(tree: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """The IVR choices a call script can be attached to, by what admins named them: a node's
    id (the caller reached it) → (its label, "", ""), and ``menu:digit`` (the key pressed at
    a menu) → (the menu's label, the digit, the option's label). Unlabelled nodes go by id."""
    names: dict[str, tuple[str, str, str]] = {}
    for _where, node in iter_nodes(tree):
        if not isinstance(node, dict) or not node.get("id"):
            continue
        node_id = str(node["id"])
        label = str(node.get("label") or "").strip() or node_id
        names.setdefault(node_id, (label, "", ""))
        if node.get("type") != "menu":
            continue
        for digit, child in sorted((node.get("options") or {}).items()):
            if isinstance(child, dict):
                option = str(child.get("label") or child.get("id") or "").strip()
                names.setdefault(f"{node_id}:{digit}", (label, str(digit), option))
    return names


def validate(tree: dict[str, Any], *, queues: set[str]) -> list[Problem]:
    """Everything wrong with ``tree``; an empty list means it may be published."""
    problems: list[Problem] = []
    ids: dict[str, dict[str, Any]] = {}
    for where, node in iter_nodes(tree):
        if not isinstance(node, dict):
            problems.append(Problem(where, "not_a_node", "expected an object"))
            continue
        node_id = str(node.get("id") or where)
        kind = node.get("type")
        if kind not in NODE_TYPES:
            problems.append(Problem(node_id, "unknown_type", f"unknown node type {kind!r}"))
            continue
        if node.get("id"):
            if node_id in ids:
                problems.append(Problem(node_id, "duplicate_id", "the id is used twice"))
            ids[node_id] = node
        for key in REQUIRED.get(kind, ()):
            if not isinstance(node.get(key), dict):
                problems.append(Problem(node_id, "dead_end", f"'{key}' leads nowhere", detail=key))
        if kind == "menu":
            options = node.get("options") or {}
            if not options:
                problems.append(Problem(node_id, "dead_end", "the menu has no choices"))
            for digit, child in options.items():
                if digit not in DIGITS:
                    problems.append(
                        Problem(node_id, "bad_digit", f"{digit!r} is not a key", detail=digit)
                    )
                if not isinstance(child, dict):
                    problems.append(
                        Problem(node_id, "dead_end", f"key {digit} leads nowhere", detail=digit)
                    )
        if kind in ("queue", "callback") and node.get("queue") not in queues:
            queue = str(node.get("queue") or "")
            problems.append(Problem(node_id, "unknown_queue", f"no queue {queue!r}", detail=queue))
    for where, node in iter_nodes(tree):
        if isinstance(node, dict) and node.get("type") == "goto":
            target = ids.get(str(node.get("target")))
            node_id = str(node.get("id") or where)
            if target is None:
                problems.append(
                    Problem(node_id, "dead_end", "the goto target does not exist", detail="target")
                )
            elif target.get("type") != "menu":
                # Only a menu waits for the caller; any other target can loop for ever.
                problems.append(Problem(node_id, "loop", "a goto may only return to a menu"))
    return problems


@dataclass
class Action:
    """What the switchboard does for a step: ``play``, ``collect``, ``queue``, ``callback``,
    ``hangup``."""

    kind: str
    node: str
    text: str = ""
    queue: str = ""
    priority: int = 0


@dataclass
class Context:
    """What the walk may ask the outside world (injected; previews pass fixed answers)."""

    is_open: Callable[[str], bool] = lambda calendar: True
    balance: Callable[[], str | None] = lambda: None
    area_fault: Callable[[], str | None] = lambda: None


@dataclass
class IvrWalk:
    """Walks a flow for one call: ``start()``, then ``press(digit)`` after each collect.

    ``path`` records every node passed and each key pressed (kept with the call record).
    """

    tree: dict[str, Any]
    context: Context = field(default_factory=Context)
    path: list[dict[str, str]] = field(default_factory=list)
    _menu: dict[str, Any] | None = None
    _tries: int = 0
    _ids: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = {
            str(n["id"]): n
            for _w, n in iter_nodes(self.tree)
            if isinstance(n, dict) and n.get("id")
        }

    def start(self) -> list[Action]:
        return self._run(self.tree)

    def press(self, digit: str | None) -> list[Action]:
        """The caller pressed ``digit`` (None: no input before the timeout)."""
        menu = self._menu
        if menu is None:
            return []
        options = menu.get("options") or {}
        self.path.append({"node": str(menu.get("id", "")), "key": digit or ""})
        if digit in options:
            return self._run(options[digit])
        self._tries += 1
        fallback = menu.get("invalid" if digit else "timeout")
        if self._tries < int(menu.get("retries", 2)):
            return [
                Action("play", str(menu.get("id", "")), menu.get("prompt", "")),
                Action("collect", str(menu.get("id", ""))),
            ]
        if isinstance(fallback, dict):
            return self._run(fallback)
        return [Action("hangup", str(menu.get("id", "")), "")]

    def _run(self, node: dict[str, Any]) -> list[Action]:
        actions: list[Action] = []
        for _hop in range(100):  # validated flows never come near this
            kind, node_id = node.get("type"), str(node.get("id", ""))
            step = {"node": node_id, "type": str(kind)}
            for key in ("label", "queue"):
                if node.get(key):
                    step[key] = str(node[key])
            self.path.append(step)
            if kind == "menu":
                self._menu, self._tries = node, 0
                actions += [
                    Action("play", node_id, node.get("prompt", "")),
                    Action("collect", node_id),
                ]
                return actions
            if kind == "goto":
                node = self._ids[str(node["target"])]
                continue
            if kind == "play":
                actions.append(Action("play", node_id, node.get("message", "")))
                node = node["next"]
            elif kind == "hours":
                node = (
                    node["open"]
                    if self.context.is_open(node.get("calendar", ""))
                    else node["closed"]
                )
            elif kind == "balance":
                text = self.context.balance()
                if text:
                    actions.append(Action("play", node_id, text))
                node = node["next"]
            elif kind == "area_fault":
                text = self.context.area_fault()
                if text:
                    actions.append(Action("play", node_id, text))
                node = node["next"]
            elif kind == "queue":
                self._menu = None
                actions.append(
                    Action(
                        "queue", node_id, queue=node["queue"], priority=int(node.get("priority", 0))
                    )
                )
                return actions
            elif kind == "callback":
                self._menu = None
                actions.append(Action("callback", node_id, queue=node["queue"]))
                return actions
            else:
                self._menu = None
                actions.append(Action("hangup", node_id, node.get("message", "")))
                return actions
        self._menu = None
        return [*actions, Action("hangup", "", "")]


def preview(tree: dict[str, Any], keys: str, context: Context | None = None) -> list[Action]:
    """Walk ``tree`` pressing ``keys`` in turn: what a caller would hear and where they go."""
    walk = IvrWalk(tree, context or Context())
    actions = walk.start()
    for key in keys:
        if not actions or actions[-1].kind != "collect":
            break
        actions += walk.press(key)
    return actions
