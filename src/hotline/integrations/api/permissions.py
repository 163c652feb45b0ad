"""Scope check: each view names the scopes a token needs, per HTTP method."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from hotline.integrations.api.errors import InsufficientScope
from hotline.integrations.models import ApiToken


def required_scopes_for(view: Any, method: str) -> list[str]:
    """``view.required_scopes`` is a list (every method) or a dict of method → list."""
    required = getattr(view, "required_scopes", None) or []
    if isinstance(required, dict):
        return list(required.get(method.upper(), []))
    return list(required)


def token_of(request: Request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class HasApiScopes(permissions.BasePermission):
    """Signed in, and if by token, the token carries every scope the view asks for.

    A browser session has no scopes: what the user may do is their role's permissions and
    regions, which the selectors and services check for token calls too.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = token_of(request)
        if token is None:
            return True
        missing = [s for s in required_scopes_for(view, request.method) if s not in token.scopes]
        if missing:
            raise InsufficientScope()
        return True


def token_allows(request: Request, scope: str) -> bool:
    """Whether the call may use ``scope``: always for a session, per token otherwise."""
    token = token_of(request)
    return token is None or scope in (token.scopes or [])
