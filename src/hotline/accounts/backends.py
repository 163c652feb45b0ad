from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.cache import cache

from hotline.accounts.acl_cache import acl_key, acl_ttl


class RoleBackend(ModelBackend):
    """Username/password login; permissions are the user's own, their groups' and their role's."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = acl_key(user_obj, "perms")
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj, obj)
                cache.set(key, perms, acl_ttl())
            user_obj._perm_cache = set(perms)
        return user_obj._perm_cache

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        perms = super().get_group_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return perms
        if not hasattr(user_obj, "_role_perm_cache"):
            role_perms: set[str] = set()
            if getattr(user_obj, "role_id", None):
                rows = Permission.objects.filter(roles__id=user_obj.role_id).values_list(
                    "content_type__app_label", "codename"
                )
                role_perms = {f"{app}.{code}" for app, code in rows}
            user_obj._role_perm_cache = role_perms
        return perms | user_obj._role_perm_cache
