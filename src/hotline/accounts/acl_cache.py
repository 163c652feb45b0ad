"""A short-lived cache of each user's permissions and region scope.

Every page asks "what may this user do, and which regions may they see". Computing that
costs five small queries; the answer changes only when an admin edits roles, regions or a
user's bindings. The cache key contains the user's role and flags, plus a global version that
those edits bump, so a change is seen at once in this process and, with the shared Redis
cache of production, in every process. With the per-process memory cache of the embedded
set-up another process may see the old answer for up to ``TTL`` seconds.

With Redis the version is shared, so an answer is kept ``SHARED_TTL`` (15 min): the time-out
then only bounds a change made outside Django (raw SQL). At 2,000 agents a minute's time-out
recomputed 33 users' permissions a second (three queries each) for nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

TTL = 60
SHARED_TTL = 15 * 60
ACL_GROUP = "acl"
ACL_EVENT = "acl.changed"
_VERSION_KEY = "hotline:acl:version"


def acl_ttl() -> int:
    """How long a user's permissions and scope are kept: longer where the version is shared."""
    from django.conf import settings

    return SHARED_TTL if settings.REDIS_URL else TTL


def acl_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(_VERSION_KEY, version, None)
    return int(version)


def acl_bump_local() -> None:
    """Move this cache to a new version: every cached answer is recomputed on next use."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


def _bump_and_announce() -> None:
    from hotline.push.send import push_send

    acl_bump_local()
    # Open WebSockets re-check their user (and, in the embedded set-up, the web process
    # bumps its own per-process cache when the relay brings this push).
    push_send(ACL_GROUP, ACL_EVENT, {})


def acl_bump(*args: Any, **kwargs: Any) -> None:
    """Bump the version now (this transaction reads its own change) and again once the
    change has committed: a request served in between may have cached the old answer under
    the first new version; the second makes every process recompute."""
    acl_bump_local()
    transaction.on_commit(_bump_and_announce)


def acl_key(user: Any, what: str) -> str:
    return (
        f"hotline:acl:{what}:{acl_version()}:{user.pk}:{user.role_id or 0}:"
        f"{int(user.is_active)}:{int(user.is_superuser)}"
    )


def acl_user_key(what: str, user_id: int) -> str:
    """Key of an answer cached per user id alone (no user row read to build the key):
    forgotten when the user's row changes (``_user_saved``) or the version moves."""
    return f"hotline:acl:{what}:{acl_version()}:user:{user_id}"


USER_KEYED = ("pop",)  # what is cached under ``acl_user_key`` (the screen pop's scope)


def connect() -> None:
    from django.contrib.auth.models import Group

    from hotline.accounts.models import Region, Role, User

    for model in (Region, Role, Group):
        post_save.connect(acl_bump, sender=model, dispatch_uid=f"acl_save_{model.__name__}")
        post_delete.connect(acl_bump, sender=model, dispatch_uid=f"acl_delete_{model.__name__}")
    for through in (
        User.regions.through,
        User.groups.through,
        User.user_permissions.through,
        Role.permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(acl_bump, sender=through, dispatch_uid=f"acl_m2m_{through.__name__}")
    post_save.connect(_user_saved, sender=User, dispatch_uid="acl_user_saved")


def _user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A login only touches last_login; anything else may change what the user may do.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    from hotline.push.send import push_send

    user_id = instance.pk

    def forget_and_announce() -> None:
        cache.delete_many([acl_user_key(what, user_id) for what in USER_KEYED])
        push_send(f"user.{user_id}", ACL_EVENT, {})

    transaction.on_commit(forget_and_announce)
