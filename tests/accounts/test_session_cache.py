"""Without Redis, the one web process keeps sessions in its memory for a minute at most."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from hotline.accounts import session_cache
from hotline.accounts.models import Role
from tests import factories


def test_a_kept_session_lives_a_minute_at_most(monkeypatch):
    cache = session_cache.ShortLivedMemoryCache("test-sessions", {"OPTIONS": {"MAX_SECONDS": 60}})
    now = [1_000_000.0]
    monkeypatch.setattr(session_cache.time, "time", lambda: now[0])
    monkeypatch.setattr("django.core.cache.backends.base.time.time", lambda: now[0])
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: now[0])
    cache.set("s", {"user": 1}, 12 * 3600)  # the session's own age: twelve hours
    now[0] += 59
    assert cache.get("s") == {"user": 1}
    now[0] += 2
    assert cache.get("s") is None  # read from the database again


def test_sessions_are_kept_in_the_process_and_a_sign_out_ends_them(db):
    if settings.REDIS_URL:
        return
    assert settings.SESSION_CACHE_ALIAS == "sessions"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    user = factories.user(Role.AGENT)
    browser = Client()
    browser.force_login(user)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.get("/").status_code == 200
    browser.post("/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert thief.get("/").status_code == 302  # to the login page
