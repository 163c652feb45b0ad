"""DRF authentication by API token: ``Authorization: Bearer <prefix>.<secret>``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from hotline.integrations.api.errors import MESSAGES
from hotline.integrations.api.tokens import TokenError, api_token_authenticate
from hotline.integrations.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """The request acts as the token's client's user, so role and region scope apply as in the UI.

    A request without a ``Bearer`` header is left to the next authenticator (the browser's
    session); a request with a bad one fails outright rather than falling back.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _space, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        try:
            token = api_token_authenticate(raw=raw)
        except TokenError as error:
            raise exceptions.AuthenticationFailed(MESSAGES[error.code], code=error.code) from None
        return token.client.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="hotline"'


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Tells drf-spectacular how to describe the token in the OpenAPI schema."""

    target_class = "hotline.integrations.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "hl_xxxxxxxx.secret",
            "description": "An API token issued in the administration site.",
        }
