from __future__ import annotations

import pytest
from django.core.cache import cache

from hotline.accounts.models import User
from hotline.integrations.api.tokens import api_token_issue
from hotline.integrations.models import ApiClient


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    # Rate-limit counters live in the cache, which outlives each test's database rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issue_token(db):
    """``issue_token(user, scopes)`` → the full token text for a new client acting as ``user``."""

    def _issue(user: User, scopes=("customers:read",), **kwargs) -> str:
        client = ApiClient.objects.create(
            name=f"client-{user.username}-{ApiClient.objects.count()}", user=user
        )
        _token, full = api_token_issue(client=client, scopes=scopes, by=None, **kwargs)
        return full

    return _issue


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
