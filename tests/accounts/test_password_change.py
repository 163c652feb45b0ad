"""Changing one's password: the current password is checked like a sign-in, so guessing it
counts towards the same lock-out (a browser left signed in must not become a way to find the
password, change it and keep the account)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.models import AuditEntry, Role
from tests import factories

NEW = "Zx9!quite-long-new-password"


@pytest.fixture
def person(world):
    return factories.user(Role.AGENT, regions=[world.d1], username="li.na")


def change(client, old, ip="192.0.2.10"):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": NEW, "new_password2": NEW},
        REMOTE_ADDR=ip,
    )


def test_the_right_current_password_changes_it(person, client):
    client.force_login(person)
    response = change(client, factories.PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    person.refresh_from_db()
    assert person.check_password(NEW)


def test_a_wrong_current_password_is_refused_and_audited_as_a_failed_sign_in(person, client):
    client.force_login(person)
    response = change(client, "guess")
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert AuditEntry.objects.filter(action="login_failed", object_repr="li.na").exists()


def test_guessing_the_current_password_locks_out_like_signing_in(person, client, settings):
    client.force_login(person)
    for number in range(settings.AXES_FAILURE_LIMIT):
        change(client, f"guess-{number}")
    locked = change(client, factories.PASSWORD)
    assert locked.status_code == 429
    person.refresh_from_db()
    assert person.check_password(factories.PASSWORD)
    assert not person.check_password(NEW)


def test_the_administrations_password_form_is_the_throttled_one(admin_user, client):
    client.force_login(admin_user)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
