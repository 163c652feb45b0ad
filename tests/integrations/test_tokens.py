"""API tokens: only a hash is stored, scopes gate each call, revoked or expired tokens fail."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import AuditEntry
from hotline.integrations.api.tokens import (
    TokenError,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
)
from hotline.integrations.models import ApiClient, ApiToken
from tests.integrations.conftest import bearer

CUSTOMERS = "/api/v1/customers/"


def test_only_the_hash_of_the_secret_is_stored(world, agent, admin_user):
    client = ApiClient.objects.create(name="ERP", user=agent)
    token, full = api_token_issue(client=client, scopes=["customers:read"], by=admin_user)
    prefix, secret = full.split(".", 1)

    assert token.prefix == prefix and prefix.startswith("hl_")
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    issued = AuditEntry.objects.get(model="integrations.apitoken", object_id=str(token.pk))
    assert issued.action == "create" and issued.actor_id == admin_user.pk
    assert issued.changes["secret_hash"] == [None, "***"]
    assert token.secret_hash not in str(issued.changes)


def test_a_token_with_the_scope_may_call(client, world, agent, issue_token):
    token = issue_token(agent, ["customers:read"])
    response = client.get(CUSTOMERS, **bearer(token))
    assert response.status_code == 200
    assert ApiToken.objects.get(prefix=token.split(".")[0]).last_used_at is not None


def test_a_missing_scope_is_403_insufficient_scope(client, world, admin_user, issue_token):
    token = issue_token(admin_user, ["customers:read"])
    response = client.post(
        CUSTOMERS, {"name": "x", "region": "s1a"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda t: t.split(".")[0] + ".not-the-secret", "invalid_token"),
        (lambda t: "hl_unknown0." + t.split(".")[1], "invalid_token"),
        (lambda t: "no-dot-at-all", "invalid_token"),
    ],
)
def test_a_wrong_token_is_401(client, world, agent, issue_token, mangle, code):
    response = client.get(CUSTOMERS, **bearer(mangle(issue_token(agent))))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401_from_the_next_call(client, world, agent, admin_user, issue_token):
    full = issue_token(agent)
    assert client.get(CUSTOMERS, **bearer(full)).status_code == 200
    token = ApiToken.objects.get(prefix=full.split(".")[0])

    api_token_revoke(token=token, by=admin_user)

    response = client.get(CUSTOMERS, **bearer(full))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"
    revoked = AuditEntry.objects.filter(
        model="integrations.apitoken", object_id=str(token.pk), action="update"
    ).get()
    assert "revoked_at" in revoked.changes and revoked.actor_id == admin_user.pk


def test_an_expired_token_is_401(client, world, agent, issue_token):
    soon = timezone.now() + datetime.timedelta(hours=1)
    full = issue_token(agent, expires_at=soon)
    assert client.get(CUSTOMERS, **bearer(full)).status_code == 200
    # An admin moves the expiry into the past (the token was read and kept before).
    token = ApiToken.objects.get(prefix=full.split(".")[0])
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    response = client.get(CUSTOMERS, **bearer(full))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_a_kept_token_expires_when_its_time_comes(client, world, agent, issue_token):
    soon = timezone.now() + datetime.timedelta(hours=1)
    full = issue_token(agent, expires_at=soon)
    assert api_token_authenticate(raw=full).client.user == agent
    later = soon + datetime.timedelta(seconds=1)
    with pytest.raises(TokenError) as refused:
        api_token_authenticate(raw=full, now=later)
    assert refused.value.code == "token_expired"


def test_a_deactivated_user_cannot_call_with_a_kept_token(client, world, agent, issue_token):
    full = issue_token(agent)
    assert client.get(CUSTOMERS, **bearer(full)).status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get(CUSTOMERS, **bearer(full))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "client_inactive"


def test_each_call_gets_its_own_user_object(world, agent, issue_token):
    full = issue_token(agent)
    first = api_token_authenticate(raw=full)
    first.client.user.first_name = "changed by one request"
    second = api_token_authenticate(raw=full)
    assert second.client.user is not first.client.user
    assert second.client.user.first_name == agent.first_name


def test_a_disabled_client_cannot_call(client, world, agent, issue_token):
    full = issue_token(agent)
    ApiClient.objects.update(active=False)
    response = client.get(CUSTOMERS, **bearer(full))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "client_inactive"


def test_no_credentials_is_401_not_authenticated(client, world):
    response = client.get(CUSTOMERS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_scopes_are_refused_at_issue(world, agent):
    client = ApiClient.objects.create(name="ERP", user=agent)
    with pytest.raises(ValidationError):
        api_token_issue(client=client, scopes=["customers:delete"], by=None)


def test_admin_shows_the_token_once_and_lists_only_the_prefix(client, world, agent, admin_user):
    api_client = ApiClient.objects.create(name="ERP", user=agent)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:integrations_apitoken_add"),
        {"client": api_client.pk, "scopes": ["customers:read", "customers:write"]},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    assert token.scopes == ["customers:read", "customers:write"]
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    full = next(word for m in shown for word in m.split() if word.startswith(token.prefix + "."))
    assert client.get(CUSTOMERS, **bearer(full)).status_code == 200

    client.get(reverse("admin:integrations_apitoken_changelist"))  # shows the message once
    listing = client.get(reverse("admin:integrations_apitoken_changelist")).content.decode()
    assert token.prefix in listing and full not in listing

    client.post(
        reverse("admin:integrations_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
