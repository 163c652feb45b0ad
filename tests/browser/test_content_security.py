"""Each role's pages run under the site's Content-Security-Policy without a refusal: a page
that needed an inline script, an inline handler or htmx's eval would log one and break."""

from __future__ import annotations

import pytest

from hotline.accounts.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSALS = ("Content Security Policy", "Content-Security-Policy", "evalDisallowed")


def _watch(page) -> list[str]:
    """Console errors that mention the policy (or htmx refusing to eval)."""
    seen: list[str] = []

    def _console(message) -> None:
        if message.type == "error" and any(word in message.text for word in REFUSALS):
            seen.append(message.text)

    page.on("console", _console)
    return seen


def _log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state("networkidle")


def test_an_injected_inline_script_is_refused_and_noticed(world, page):
    seen = _watch(page)
    _log_in(page, factories.user(Role.AGENT, regions=[world.d1]).username)
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.body.append(s); }"""
    )
    assert page.evaluate("window.injected === undefined")
    assert seen and "Content Security Policy" in seen[0]


@pytest.mark.parametrize(
    "role",
    [
        Role.AGENT,
        Role.TEAM_LEAD,
        Role.DISPATCHER,
        Role.TECHNICIAN,
        Role.KNOWLEDGE_EDITOR,
        Role.QA_INSPECTOR,
        Role.MANAGER,
        Role.ADMIN,
    ],
)
def test_each_roles_landing_and_home_pages_break_no_policy_rule(world, page, role):
    if role == Role.TECHNICIAN:
        username = factories.technician(world.s1a).user.username
    else:
        username = factories.user(
            role, regions=[world.city], is_superuser=role == Role.ADMIN
        ).username
    seen = _watch(page)
    _log_in(page, username)
    visited = [page.url]
    extra = {
        Role.KNOWLEDGE_EDITOR: ["/knowledge/new/"],  # the rich-text editor
        Role.ADMIN: ["/admin/", "/admin/accounts/user/add/", "/api/docs/"],
    }
    for url in ["/", "/customers/", f"/customers/{world.c1a.pk}/", *extra.get(role, [])]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        visited.append(page.url)
    assert seen == [], visited
