"""Editing an IVR tree node by node, for the admins' editor (plain Python, no database).

A node is addressed by its path from the root: ``""`` is the root, ``"open/1/next"`` is the
``next`` of key 1 of the menu under the root's ``open`` branch. Every edit returns a new tree
(the old one is left untouched) or raises ``EditError`` with a stable code.
"""

from __future__ import annotations

import copy
from typing import Any

from hotline.routing.domain.ivr import CHILD_KEYS, DIGITS, NODE_TYPES, iter_nodes

# What each node type carries besides its children (the editor's fields), with defaults.
FIELDS: dict[str, dict[str, Any]] = {
    "menu": {"prompt": "", "retries": 2},
    "play": {"message": ""},
    "hours": {"calendar": ""},
    "balance": {},
    "area_fault": {},
    "queue": {"queue": "", "priority": 0},
    "callback": {"queue": ""},
    "hangup": {"message": ""},
    "goto": {"target": ""},
}
INT_FIELDS = {"retries", "priority"}


class EditError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def split(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part and part != "root"]


def join(parts: list[str]) -> str:
    return "/".join(parts)


def _child(node: dict[str, Any], slot: str) -> Any:
    if node.get("type") == "menu" and slot in DIGITS:
        return (node.get("options") or {}).get(slot)
    return node.get(slot)


def node_at(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: Any = tree
    for part in split(path):
        if not isinstance(node, dict):
            return None
        node = _child(node, part)
    return node if isinstance(node, dict) else None


def slots(node: dict[str, Any]) -> list[str]:
    """The places a child may hang from ``node``, in reading order (menu keys first)."""
    kind = node.get("type", "")
    keys = sorted((node.get("options") or {}).keys()) if kind == "menu" else []
    return [*keys, *CHILD_KEYS.get(kind, ())]


def paths_by_id(tree: dict[str, Any]) -> dict[str, str]:
    """Node id -> path, to tell where a validation problem is."""
    found: dict[str, str] = {}
    for where, node in iter_nodes(tree):
        if isinstance(node, dict) and node.get("id"):
            found.setdefault(str(node["id"]), join(split(where)))
    return found


def fresh_id(tree: dict[str, Any], kind: str) -> str:
    taken = set(paths_by_id(tree))
    number = 1
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


def new_node(tree: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind not in NODE_TYPES:
        raise EditError("unknown_type")
    node: dict[str, Any] = {"id": fresh_id(tree, kind), "type": kind, **FIELDS[kind]}
    if kind == "menu":
        node["options"] = {}
    return node


def _attach(parent: dict[str, Any], slot: str, child: dict[str, Any]) -> None:
    if parent.get("type") == "menu" and slot in DIGITS:
        parent.setdefault("options", {})[slot] = child
    elif slot in CHILD_KEYS.get(parent.get("type", ""), ()):
        parent[slot] = child
    else:
        raise EditError("bad_slot")


def _detach(parent: dict[str, Any], slot: str) -> None:
    if parent.get("type") == "menu" and slot in DIGITS:
        (parent.get("options") or {}).pop(slot, None)
    else:
        parent.pop(slot, None)


def _located(tree: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    tree = copy.deepcopy(tree)
    node = node_at(tree, path)
    if node is None:
        raise EditError("no_node")
    return tree, node


def set_fields(tree: dict[str, Any], path: str, values: dict[str, Any]) -> dict[str, Any]:
    """Change the label and the type's own fields of one node (unknown keys ignored)."""
    tree, node = _located(tree, path)
    allowed = {"label", *FIELDS.get(node.get("type", ""), {})}
    for key, value in values.items():
        if key not in allowed:
            continue
        if key in INT_FIELDS:
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                raise EditError("not_a_number") from None
            if not 0 <= value <= 99:
                raise EditError("not_a_number")
        else:
            value = str(value).strip()
        if key == "label" and not value:
            node.pop("label", None)
        else:
            node[key] = value
    return tree


def change_type(tree: dict[str, Any], path: str, kind: str) -> dict[str, Any]:
    """Make the node another type; its id, label and the children the new type also has
    stay (a play turned into a self-service keeps its ``next``)."""
    if kind not in NODE_TYPES:
        raise EditError("unknown_type")
    tree, node = _located(tree, path)
    if node.get("type") == kind:
        return tree
    old = dict(node)
    node.clear()
    node.update({"id": old.get("id") or fresh_id(tree, kind), "type": kind, **FIELDS[kind]})
    if old.get("label"):
        node["label"] = old["label"]
    for key in FIELDS[kind]:
        if key in old:
            node[key] = old[key]
    for key in CHILD_KEYS.get(kind, ()):
        if isinstance(old.get(key), dict):
            node[key] = old[key]
    if kind == "menu":
        node["options"] = {}
    return tree


def add_child(tree: dict[str, Any], path: str, slot: str, kind: str) -> dict[str, Any]:
    """Hang a new node of ``kind`` at ``slot`` (a menu key, or ``next``/``open``/...)."""
    tree, node = _located(tree, path)
    slot = slot.strip()
    if node.get("type") == "menu" and slot not in CHILD_KEYS["menu"] and slot not in DIGITS:
        raise EditError("bad_digit")
    if _child(node, slot) is not None:
        raise EditError("slot_taken")
    _attach(node, slot, new_node(tree, kind))
    return tree


def remove(tree: dict[str, Any], path: str) -> dict[str, Any]:
    """Remove the node and everything under it (the root stays: change its type instead)."""
    parts = split(path)
    if not parts:
        raise EditError("root")
    tree, _node = _located(tree, path)
    parent = node_at(tree, join(parts[:-1]))
    assert parent is not None
    _detach(parent, parts[-1])
    return tree


def move(tree: dict[str, Any], path: str, to: str, slot: str) -> dict[str, Any]:
    """Move the node (with its subtree) to the free ``slot`` of the node at ``to``."""
    parts, target = split(path), split(to)
    if not parts:
        raise EditError("root")
    if target[: len(parts)] == parts:
        raise EditError("into_itself")
    tree, node = _located(tree, path)
    parent = node_at(tree, join(parts[:-1]))
    destination = node_at(tree, to)
    if parent is None or destination is None:
        raise EditError("no_node")
    slot = slot.strip()
    if destination.get("type") == "menu" and slot not in CHILD_KEYS["menu"] and slot not in DIGITS:
        raise EditError("bad_digit")
    if _child(destination, slot) is not None:
        raise EditError("slot_taken")
    _detach(parent, parts[-1])
    _attach(destination, slot, node)
    return tree


def free_slots(tree: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, slot) of every empty child place, and ``(path, "")`` for every menu (any key),
    as the targets of a move."""
    found: list[tuple[str, str]] = []
    for where, node in iter_nodes(tree):
        if not isinstance(node, dict):
            continue
        path = join(split(where))
        if node.get("type") == "menu":
            found.append((path, ""))
        for key in CHILD_KEYS.get(node.get("type", ""), ()):
            if not isinstance(node.get(key), dict):
                found.append((path, key))
    return found


def menu_ids(tree: dict[str, Any]) -> list[str]:
    return [
        str(node["id"])
        for _where, node in iter_nodes(tree)
        if isinstance(node, dict) and node.get("type") == "menu" and node.get("id")
    ]


STARTER: dict[str, Any] = {
    "id": "main",
    "type": "menu",
    "label": "",
    "prompt": "",
    "retries": 2,
    "options": {},
}
