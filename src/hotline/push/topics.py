"""Which push topics a user may subscribe to: each app registers a check for its prefix.

A topic is ``<prefix>.<key>`` (``customer.42``); the check answers whether ``user`` may see
that object, with the same selectors the pages use, so a socket never carries what the page
would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

TopicCheck = Callable[[Any, str], bool]

_TOPIC = re.compile(r"^([a-z_]{1,40})\.([A-Za-z0-9_-]{1,50})$")
_checks: dict[str, TopicCheck] = {}


def register_topic(prefix: str, check: TopicCheck) -> None:
    """Let users subscribe to ``<prefix>.<key>`` when ``check(user, key)`` is true."""
    _checks[prefix] = check


def topic_allowed(user: Any, topic: str) -> bool:
    if user is None or not user.is_active:
        return False
    match = _TOPIC.match(topic)
    if not match:
        return False
    prefix, key = match.groups()
    if prefix == "user":
        return key == str(user.pk)
    check = _checks.get(prefix)
    return bool(check and check(user, key))
