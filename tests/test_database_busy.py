"""A user's write that meets another transaction's lock waits a bounded time, then gets a clear
message and keeps what they typed: a 503 with the message, never a silent 500.

The lock is real: a second connection holds SQLite's write lock (BEGIN IMMEDIATE on the
file-based test database) or a PostgreSQL table lock while the page posts a note.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import DatabaseError, OperationalError, connection, connections
from django.test import override_settings
from django.urls import reverse

from hotline.accounts.models import AuditEntry
from hotline.customers.models import TimelineEntry
from hotline.db import is_lock_timeout
from tests.locks import write_lock_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)

BUSY_TIMEOUT_MS = 200


@pytest.fixture
def short_busy_timeout(settings):
    """Writes give up after 200 ms instead of seconds; the next connection gets the new wait."""
    settings.DATABASE_BUSY_TIMEOUT_MS = BUSY_TIMEOUT_MS
    connection.close()
    yield BUSY_TIMEOUT_MS
    connection.close()


def notes_of(customer) -> int:
    return TimelineEntry.objects.filter(customer=customer, kind=TimelineEntry.Kind.NOTE).count()


def test_note_posted_by_htmx_while_locked_gets_503_with_a_message_and_nothing_is_written(
    world, agent, client, short_busy_timeout
):
    client.force_login(agent)
    url = reverse("customers:note", args=[world.c1a.pk])
    audit_before = AuditEntry.objects.count()
    with write_lock_held_elsewhere():
        response = client.post(url, {"body": "客户来电：机顶盒无信号"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["X-Hotline-Error"] == "busy"
    assert response["Retry-After"]
    html = response.content.decode()
    assert 'data-error="busy"' in html and "系统正忙" in html
    # The fragment is a message only: the form (and the typed text) in the page stay as they are.
    assert "<textarea" not in html
    assert notes_of(world.c1a) == 0
    assert AuditEntry.objects.count() == audit_before


def test_full_page_post_while_locked_shows_what_was_typed_and_sends_it_again(
    world, agent, client, short_busy_timeout
):
    client.force_login(agent)
    url = reverse("customers:note", args=[world.c1a.pk])
    typed = "第一行：无信号\n第二行：已重启机顶盒 <无效>"
    with write_lock_held_elsewhere():
        response = client.post(url, {"body": typed})
    assert response.status_code == 503
    html = response.content.decode()
    assert "系统正忙" in html
    assert notes_of(world.c1a) == 0
    # The page keeps the text and offers to send the same fields to the same address again.
    resend = re.search(r'<textarea name="body" hidden>\n(.*?)</textarea>', html, re.S)
    assert resend and unescape(resend.group(1)) == typed
    assert f'action="{url}"' in html
    again = client.post(url, {"body": unescape(resend.group(1))})
    assert again.status_code == 302
    assert TimelineEntry.objects.get(customer=world.c1a).body == typed.strip()


def test_login_while_locked_does_not_echo_the_password(world, agent, client, short_busy_timeout):
    with write_lock_held_elsewhere():
        response = client.post(
            reverse("login"), {"username": agent.username, "password": "correct-horse-battery"}
        )
    assert response.status_code == 503
    html = response.content.decode()
    assert "correct-horse-battery" not in html
    assert "密码和文件不会保留" in html


def test_lock_timeout_is_recognised_and_other_errors_are_not(world, short_busy_timeout):
    with write_lock_held_elsewhere(), pytest.raises(OperationalError) as caught:
        TimelineEntry.objects.create(customer=world.c1a, kind="note", title="x")
    assert is_lock_timeout(caught.value)
    with pytest.raises(DatabaseError) as other:
        connection.cursor().execute("SELECT * FROM no_such_table")
    assert not is_lock_timeout(other.value)
    assert not is_lock_timeout(ValueError("database is locked"))


@override_settings(DEBUG=False)
def test_other_errors_are_still_server_errors(world, agent, client):
    """Only lock timeouts become 503: a broken query is a bug and stays a 500."""
    from django.test import Client

    crashing = Client(raise_request_exception=False)
    crashing.force_login(agent)
    with override_settings(ROOT_URLCONF="tests.error_urls"):
        assert crashing.get("/boom/").status_code == 500


def test_a_waiting_writer_takes_the_lock_at_its_next_attempt_after_release(
    world, agent, monkeypatch
):
    """SQLite: a write waiting for the lock retries about every millisecond, so it gets in
    during the short pause a long job leaves between its transactions (not at SQLite's next
    backoff step)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks, not on one database lock")
    from hotline.customers.services import customer_note_add
    from hotline.dbbackends.sqlite3 import base

    other = connections.create_connection("default")
    other.cursor().execute("BEGIN IMMEDIATE")
    attempts: list[float] = []

    def sleep(seconds: float) -> None:
        attempts.append(seconds)
        if len(attempts) == 3:
            other.cursor().execute("ROLLBACK")  # the long job's transaction ends

    monkeypatch.setattr(base, "_sleep", sleep)
    try:
        customer_note_add(customer=world.c1a, by=agent, body="等锁的备注")
    finally:
        other.close()
    assert len(attempts) == 3
    assert all(base.POLL_S[0] <= pause <= base.POLL_S[1] for pause in attempts)
    assert notes_of(world.c1a) == 1


def test_a_write_outside_a_transaction_waits_for_the_lock_the_same_way(world, monkeypatch):
    """SQLite: an autocommit write (the API request log, a relayed push) meeting another
    writer's lock is tried again about every millisecond instead of sleeping in SQLite's
    growing steps, and is written once the lock is free."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database lock")
    from hotline.dbbackends.sqlite3 import base

    other = connections.create_connection("default")
    other.cursor().execute("BEGIN IMMEDIATE")
    attempts: list[float] = []

    def sleep(seconds: float) -> None:
        attempts.append(seconds)
        if len(attempts) == 2:
            other.cursor().execute("ROLLBACK")

    monkeypatch.setattr(base, "_sleep", sleep)
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            assert not fresh.in_atomic_block
            cursor.execute(
                "INSERT INTO accounts_auditentry (at, actor_name, action, model, object_id,"
                " object_repr, changes, ip) VALUES (CURRENT_TIMESTAMP, 'probe', 'probe',"
                " 'probe', '1', 'probe', '{}', NULL)"
            )
            cursor.execute("SELECT count(*) FROM accounts_auditentry WHERE actor_name = 'probe'")
            written = cursor.fetchone()[0]
            cursor.execute("DELETE FROM accounts_auditentry WHERE actor_name = 'probe'")
    finally:
        fresh.close()
        other.close()
    assert written == 1
    assert len(attempts) >= 2
    assert all(base.POLL_S[0] <= pause <= base.POLL_S[1] for pause in attempts)


def test_sqlite_connections_are_kept_for_the_next_request_unless_mid_transaction(world, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL pool is psycopg's")
    from hotline.dbbackends.sqlite3 import base

    settings.SQLITE_POOL_SIZE = 2
    base.pool_clear()
    first = connections.create_connection("default")
    first.ensure_connection()
    raw = first.connection
    raw.execute("PRAGMA foreign_keys = OFF")  # as a schema change does for a while
    first.close()
    second = connections.create_connection("default")
    second.ensure_connection()
    assert second.connection is raw  # reused, not reopened
    assert second.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    second.connection.execute("BEGIN")
    second.close()  # inside a transaction: closed, never handed out again
    third = connections.create_connection("default")
    third.ensure_connection()
    assert third.connection is not raw
    third.close()
    settings.SQLITE_POOL_SIZE = 0
    base.pool_clear()
