"""Scope check: each view names the scopes a token needs, per HTTP method."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from hotline.integrations.api.errors import InsufficientScope
from hotline.integrations.models import ApiToken


def required_scopes_for(view: Any, method: str) -> list[str] | None:
    """The scopes a token needs to call ``view`` with ``method``; ``None``: no token may.

    ``view.required_scopes`` is a list (every method) or a dict of method → list. A method the
    dict does not name is refused (fail closed), except ``HEAD``, which answers what ``GET``
    answers minus the body (its ``Content-Length`` would tell whether a search found
    anything) and so needs ``GET``'s scopes, and ``OPTIONS``, which describes the endpoint and
    needs the scopes of one of its methods (see ``HasApiScopes``).
    """
    required = getattr(view, "required_scopes", None) or []
    method = method.upper()
    if not isinstance(required, dict):
        return list(required)
    if method == "HEAD":
        method = "GET"
    if method in required:
        return list(required[method])
    return None


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
        granted = set(token.scopes or [])
        method = (request.method or "").upper()
        if method == "OPTIONS" and isinstance(getattr(view, "required_scopes", None), dict):
            choices = [set(scopes) for scopes in view.required_scopes.values()]
            if any(scopes <= granted for scopes in choices):
                return True
            raise InsufficientScope()
        required = required_scopes_for(view, method)
        if required is None:
            if not hasattr(view, method.lower()):
                return True  # no such method here: the view answers 405
            raise InsufficientScope()
        if not set(required) <= granted:
            raise InsufficientScope()
        return True


def token_allows(request: Request, scope: str) -> bool:
    """Whether the call may use ``scope``: always for a session, per token otherwise."""
    token = token_of(request)
    return token is None or scope in (token.scopes or [])


def may_unmask(request: Request) -> bool:
    """Whether the caller may read personal data unmasked: their role, and their token's
    ``customers:unmask`` scope."""
    from hotline.audit.personal_data import can_unmask

    return can_unmask(request.user) and token_allows(request, "customers:unmask")
