"""Login: throttling with lock-out, unlock by an admin, audit of logins, language of the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts import services
from hotline.accounts.models import AuditEntry, Role
from tests import factories


@pytest.fixture
def person(world):
    return factories.user(Role.AGENT, regions=[world.d1], username="li.na")


def attempt(client, username, password, ip="192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_correct_password_logs_in_and_lands_on_the_days_work(person, client):
    response = attempt(client, "li.na", factories.PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("routing:desk")  # an agent's day: the desktop
    assert AuditEntry.objects.filter(action="login", object_id=str(person.pk)).exists()


def test_a_next_page_wins_over_the_landing_page_and_roles_without_one_go_home(world, client):
    factories.user(Role.AGENT, regions=[world.d1], username="a1")
    response = client.post(
        reverse("login") + "?next=/customers/", {"username": "a1", "password": factories.PASSWORD}
    )
    assert response["Location"] == "/customers/"
    client.logout()
    factories.user(Role.ADMIN, regions=[world.d1], username="admin1")
    assert attempt(client, "admin1", factories.PASSWORD)["Location"] == reverse("home")
    client.logout()
    factories.user(Role.QA_INSPECTOR, regions=[world.d1], username="qa1")
    assert attempt(client, "qa1", factories.PASSWORD)["Location"] == reverse("routing:calls")


def test_opening_the_site_address_logged_out_still_lands_on_the_days_work(person, client):
    """Typing the site's address sends a visitor to the login page; that is no page they
    asked for, so after logging in they land on their day's work, not on the home page."""
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert attempt(client, "li.na", factories.PASSWORD)["Location"] == reverse("routing:desk")
    assert client.get(reverse("home")).status_code == 200  # the home page itself still works


def test_wrong_password_is_refused_and_audited(person, client):
    response = attempt(client, "li.na", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.object_repr == "li.na"
    assert failed.ip == "192.0.2.10"


def test_five_failures_lock_the_account_from_that_address(person, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "li.na", "wrong-password")
    locked = attempt(client, "li.na", factories.PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address, or another account from the same address, is not locked.
    assert attempt(client, "li.na", factories.PASSWORD, ip="192.0.2.99").status_code == 302


def test_lock_out_does_not_spill_to_other_users(person, world, client, settings):
    factories.user(Role.AGENT, username="wang.fang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "li.na", "wrong-password")
    assert attempt(client, "wang.fang", factories.PASSWORD).status_code == 302


def test_admin_unlock_lets_the_user_in_again_and_is_audited(person, admin_user, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "li.na", "wrong-password")
    assert attempt(client, "li.na", factories.PASSWORD).status_code == 429
    cleared = services.user_unlock(user=person, by=admin_user)
    assert cleared >= 1
    assert AuditEntry.objects.filter(action="unlock", object_id=str(person.pk)).exists()
    assert attempt(client, "li.na", factories.PASSWORD).status_code == 302


def test_admin_action_unlocks(person, admin_user, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "li.na", "wrong-password")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [person.pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert attempt(client, "li.na", factories.PASSWORD).status_code == 302


def test_login_page_is_chinese_by_default_and_switches_to_english(db, client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    english = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in english
    assert "Log in to Hotline" in english


def test_browser_language_does_not_override_chinese(db, client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page


def test_logout_is_audited(person, client):
    client.force_login(person)
    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(action="logout", object_id=str(person.pk)).exists()


def test_csrf_is_enforced_on_login(person):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "li.na", "password": factories.PASSWORD})
    assert response.status_code == 403
