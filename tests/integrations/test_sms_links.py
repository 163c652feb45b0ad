"""Signed short links: compact, expiring, unforgeable, served through the kind's handler."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import override_settings

from hotline.integrations.sms import links
from hotline.integrations.sms.links import (
    LinkExpired,
    LinkInvalid,
    register_link_kind,
    signed_link,
    signed_token,
    verify,
)


def test_a_token_round_trips_and_is_short() -> None:
    token = signed_token("o", 123456789, expires_in=timedelta(hours=72))
    target = verify(token)
    assert (target.kind, target.object_id) == ("o", 123456789)
    assert target.expires_at - target.issued_at == timedelta(hours=72)
    assert len(token) <= 40
    assert all(c.isalnum() or c in "._-" for c in token)


def test_a_link_is_absolute_under_the_public_url() -> None:
    with override_settings(PUBLIC_URL="https://hotline.example.com"):
        link = signed_link("o", 42, expires_in=timedelta(hours=1))
    assert link.startswith("https://hotline.example.com/s/o.")
    assert len(link) < 70  # a short link leaves room for the order in the same message
    assert verify(link.rsplit("/", 1)[1]).object_id == 42


def test_a_link_needs_the_public_url() -> None:
    with override_settings(PUBLIC_URL=""), pytest.raises(ImproperlyConfigured, match="PUBLIC"):
        signed_link("o", 42)


def test_tokens_expire() -> None:
    token = signed_token("o", 7, expires_in=timedelta(minutes=30))
    issued = verify(token).issued_at
    assert verify(token, now=issued + timedelta(minutes=29)).object_id == 7
    with pytest.raises(LinkExpired):
        verify(token, now=issued + timedelta(minutes=30))
    with pytest.raises(LinkExpired):
        verify(token, now=datetime.now(UTC) + timedelta(days=1))


def _tamper(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: _tamper(t, 1, "g8"),  # another order, same signature
        lambda t: _tamper(t, 2, "zzz"),  # a longer lifetime
        lambda t: _tamper(t, 0, "p"),  # another kind of page
        lambda t: _tamper(t, 4, "A" * 16),  # a made-up signature
        lambda t: t[:-1],  # a truncated signature
        lambda t: "o.g7.1c",  # no signature at all
        lambda t: "",
        lambda t: "garbage-token",
    ],
)
def test_forged_tokens_are_refused(forge) -> None:
    token = signed_token("o", 1000, expires_in=timedelta(hours=1))
    with pytest.raises(LinkInvalid):
        verify(forge(token))


def test_a_token_from_another_installation_is_refused() -> None:
    with override_settings(SECRET_KEY="another-installation-secret-key-0123456789abcdef"):
        foreign = signed_token("o", 5, expires_in=timedelta(hours=1))
    with pytest.raises(LinkInvalid):
        verify(foreign)


@pytest.mark.parametrize(
    ("kind", "object_id", "expires_in"),
    [
        ("Order", 1, timedelta(hours=1)),
        ("o.x", 1, timedelta(hours=1)),
        ("o", -1, timedelta(hours=1)),
        ("o", "12", timedelta(hours=1)),
        ("o", 1, timedelta(seconds=10)),
    ],
)
def test_bad_arguments_are_refused(kind, object_id, expires_in) -> None:
    with pytest.raises(ValueError):
        signed_token(kind, object_id, expires_in=expires_in)


@pytest.fixture
def order_kind():
    seen = []

    def handler(request, target):
        seen.append(target)
        return HttpResponse(f"order {target.object_id}")

    register_link_kind("testorder", handler)
    yield seen
    links._handlers.pop("testorder", None)


@pytest.mark.django_db
def test_the_short_link_page_hands_valid_tokens_to_the_kinds_handler(client, order_kind) -> None:
    token = signed_token("testorder", 31, expires_in=timedelta(hours=1))
    response = client.get(f"/s/{token}")
    assert response.status_code == 200
    assert response.content == b"order 31"
    assert order_kind[0].object_id == 31


@pytest.mark.django_db
def test_the_short_link_page_refuses_bad_expired_and_unknown_links(
    client, order_kind, monkeypatch
) -> None:
    assert client.get("/s/o.g7.1c.1tQyWz.Xk3v9sJq0bLm2PzA").status_code == 404
    unknown = signed_token("nobody", 1, expires_in=timedelta(hours=1))
    assert client.get(f"/s/{unknown}").status_code == 404

    # A token signed an hour ago with a one-minute lifetime.
    class HourAgoSigner(links.CompactSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 3600)

    with monkeypatch.context() as patch:
        patch.setattr(
            links, "_signer", lambda: HourAgoSigner(sep=".", salt=links.SALT, algorithm="sha256")
        )
        stale = signed_token("testorder", 31, expires_in=timedelta(minutes=1))
    response = client.get(f"/s/{stale}")
    assert response.status_code == 410
    assert order_kind == []
