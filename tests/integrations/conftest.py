from __future__ import annotations

import pytest
from django.core.cache import cache

from hotline.accounts.models import User
from hotline.integrations.api.tokens import api_token_issue
from hotline.integrations.models import ApiClient
from hotline.integrations.webhooks import addresses

# A public address that names under .example resolve to in tests (nothing is ever sent there:
# deliveries in tests go to receivers on the loopback, or to an httpx mock transport).
PUBLIC_ADDRESS = "93.184.215.14"


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


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """A fake DNS for webhook receivers: ``dns["name"] = ["addr", …]`` or a callable.

    Names under ``.example`` (reserved by RFC 2606, never resolvable) answer
    ``PUBLIC_ADDRESS`` unless set; any other name goes to the real resolver.
    """
    records: dict[str, object] = {}
    real = addresses.resolve_host

    def resolve(host: str, port: int) -> list[str]:
        if host in records:
            answer = records[host]
            return list(answer() if callable(answer) else answer)
        if host.endswith(".example"):
            return [PUBLIC_ADDRESS]
        return real(host, port)

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    return records
