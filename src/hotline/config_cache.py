"""Answers computed from configuration, kept in each process until the configuration changes.

Opening an order reads its type, the type's form, the SLA rule and the region's escalation
chain: a dozen queries whose answers change only when an admin edits order types, SLA
policies, regions, teams or staff. ``config_cached(name, key, load)`` keeps such an answer in
the process that computed it, stamped with the configuration's version. The version lives
in Django's cache and a change to any model in ``WATCHED`` gives it a new random value at
once and again after the change commits (as ``accounts.acl_cache`` does), so with the shared
Redis cache of production every process recomputes on its next use. With the per-process
memory cache of the embedded set-up another process sees the change within ``TTL`` seconds
(the same bound as the permission cache). The version is random rather than counted, so a
cleared cache can never make an old answer look current.

Answers are shared by every request of the process: callers treat them as read-only.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

TTL = 60.0
MAX_KEPT = 20_000
_VERSION_KEY = "hotline:config:version"
_T = TypeVar("_T")
_M = TypeVar("_M", bound=Model)

_answers: dict[tuple[str, Hashable], tuple[str, float, Any]] = {}
_lock = threading.Lock()
_clock: Callable[[], float] = time.monotonic

# app label, model name: what an order's opening reads from configuration, and the API
# tokens with their clients (integrations.api.tokens).
WATCHED = (
    ("tickets", "OrderType"),
    ("tickets", "FormField"),
    ("tickets", "SlaRule"),
    ("tickets", "SlaPolicy"),
    ("accounts", "Region"),
    ("accounts", "Team"),
    ("accounts", "Role"),
    ("accounts", "User"),
    ("accounts", "Technician"),
    ("integrations", "ApiClient"),
    ("integrations", "ApiToken"),
    # What the screen pop shows beside the customer: queue names, the call script, the area
    # fault of the caller's region (services that change these with ``update()`` call
    # ``config_changed`` themselves).
    ("routing", "Queue"),
    ("knowledge", "CallScript"),
    ("knowledge", "CallScriptVersion"),
    ("tickets", "AreaFault"),
)
# Many-to-many relations among them: (app label, model name, field name).
WATCHED_RELATIONS = (
    ("knowledge", "CallScript", "queues"),
    ("knowledge", "CallScript", "statistic_items"),
    ("tickets", "AreaFault", "regions"),
)


def config_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(_VERSION_KEY)
    return str(version)


def config_changed(*args: Any, **kwargs: Any) -> None:
    """A new version now (this transaction sees its own change) and once it has committed
    (a request served in between may have cached the old answer under the first one)."""
    if kwargs.get("update_fields") is not None and set(kwargs["update_fields"]) <= {"last_login"}:
        return
    cache.set(_VERSION_KEY, secrets.token_hex(8), None)
    transaction.on_commit(lambda: cache.set(_VERSION_KEY, secrets.token_hex(8), None))


def config_cached(name: str, key: Hashable, load: Callable[[], _T]) -> _T:
    """``load()``'s answer for (``name``, ``key``), computed once per configuration version.

    ``None`` (nothing found) is never kept, so made-up keys (an unknown token prefix, region
    code) cost a query each, not memory; and at most ``MAX_KEPT`` answers are kept."""
    version = config_version()
    now = _clock()
    kept = _answers.get((name, key))
    if kept is not None and kept[0] == version and now - kept[1] < TTL:
        return kept[2]
    value = load()
    if value is not None:
        with _lock:
            if len(_answers) >= MAX_KEPT:
                _answers.clear()
            _answers[(name, key)] = (version, now, value)
    return value


def config_row(model: type[_M], pk: int) -> _M:
    """The row ``pk`` of the configuration model ``model`` (one of ``WATCHED``)."""
    return config_cached(f"row:{model._meta.label_lower}", pk, lambda: model.objects.get(pk=pk))


def config_cache_clear() -> None:
    with _lock:
        _answers.clear()


def connect() -> None:
    from django.apps import apps

    for app_label, model_name in WATCHED:
        model = apps.get_model(app_label, model_name)
        uid = f"config_{app_label}_{model_name}"
        post_save.connect(config_changed, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(config_changed, sender=model, dispatch_uid=f"{uid}_delete")
    user = apps.get_model("accounts", "User")
    m2m_changed.connect(
        config_changed, sender=user.regions.through, dispatch_uid="config_user_regions"
    )
    for app_label, model_name, field in WATCHED_RELATIONS:
        through = getattr(apps.get_model(app_label, model_name), field).through
        uid = f"config_{app_label}_{model_name}_{field}"
        m2m_changed.connect(config_changed, sender=through, dispatch_uid=uid)
