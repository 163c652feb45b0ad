"""An agent's note that meets a held database lock: a clear message, and the text stays typed."""

from __future__ import annotations

import pytest

from hotline.accounts.models import Role
from hotline.customers.models import TimelineEntry
from tests import factories
from tests.browser.test_pages import log_in
from tests.locks import write_lock_held_elsewhere

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_note_saved_during_a_lock_shows_busy_and_keeps_the_text(world, page, settings, screenshot):
    settings.DATABASE_BUSY_TIMEOUT_MS = 200  # every new server connection waits this long
    factories.user(Role.AGENT, regions=[world.d1], username="agent_d1")
    log_in(page, "agent_d1")
    page.wait_for_selector("[data-tile]")
    page.goto(f"/customers/{world.c1a.pk}/")
    typed = "客户来电：机顶盒无信号，已指导重启"
    page.fill("#id_body", typed)
    with write_lock_held_elsewhere():
        page.click(".note-form button[type=submit]")
        page.wait_for_selector(".note-form .form-error [data-error=busy]")
    screenshot("note-busy")
    assert "系统正忙" in page.locator(".note-form .form-error").inner_text()
    assert page.input_value("#id_body") == typed
    assert not TimelineEntry.objects.filter(customer=world.c1a).exists()

    page.click(".note-form button[type=submit]")  # the lock is gone: the same text saves
    page.wait_for_selector("[data-kind=note]")
    assert page.locator(".note-form .form-error").count() == 0
    assert TimelineEntry.objects.get(customer=world.c1a).body == typed
