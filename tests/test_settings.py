"""Production settings pass Django's deployment checks; secrets come from the environment."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import polib
from django.urls import reverse

from hotline.accounts.models import AuditEntry
from tests import processes
from tests.processes import ROOT

run_python = partial(processes.run_python, "-c")


PRODUCTION = {
    "HOTLINE_ENV": "production",
    "HOTLINE_SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghijklmnop",
    "HOTLINE_ALLOWED_HOSTS": "hotline.example.com",
    "HOTLINE_PUBLIC_URL": "https://hotline.example.com",
    "DJANGO_SETTINGS_MODULE": "hotline.settings",
}


def test_production_settings_pass_check_deploy(tmp_path):
    code = (
        "import django, sys; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = run_python(code, **PRODUCTION, HOTLINE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_hashes_passwords_with_argon2(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.contrib.auth.hashers import make_password;"
        "print(make_password('a long enough password'))"
    )
    result = run_python(code, **PRODUCTION, HOTLINE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("argon2$")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = dict(PRODUCTION)
    env.pop("HOTLINE_SECRET_KEY")
    result = run_python("import django; django.setup()", **env, HOTLINE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "HOTLINE_SECRET_KEY" in result.stderr


def test_secret_key_may_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 60 + "\n")
    env = dict(PRODUCTION)
    env.pop("HOTLINE_SECRET_KEY")
    code = "from django.conf import settings; print(len(settings.SECRET_KEY))"
    result = run_python(
        "import django; django.setup();" + code,
        **env,
        HOTLINE_SECRET_KEY_FILE=str(secret),
        HOTLINE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


def test_malformed_setting_names_the_variable(tmp_path):
    result = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_LOGIN_FAILURE_LIMIT="five",
        HOTLINE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "HOTLINE_LOGIN_FAILURE_LIMIT" in result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="hotline.settings", HOTLINE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


def test_every_chinese_message_is_translated():
    po = polib.pofile(str(ROOT / "src/hotline/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries()


def test_times_show_in_shanghai_time_unless_the_user_chose_another_zone(world, manager, client):
    AuditEntry.objects.create(
        at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC), action="system", object_repr="夜间任务"
    )
    client.force_login(manager)
    url = reverse("accounts:audit") + "?action=system"
    assert "2026-03-02 00:30:00" in client.get(url).content.decode()
    manager.time_zone = "Europe/London"
    manager.save(update_fields=["time_zone"])
    assert "2026-03-01 16:30:00" in client.get(url).content.decode()


def test_sessions_are_cached_in_memory_only_by_a_single_web_process(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        "print(settings.SESSION_ENGINE, settings.SESSION_CACHE_ALIAS)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(tmp_path)}
    alone = run_python(code, **env)
    several = run_python(code, **env, HOTLINE_WEB_WORKERS="2")
    shared = run_python(code, **env, HOTLINE_REDIS_URL="redis://127.0.0.1:6379/0")
    # hotline run: its own memory, a minute at most (accounts/session_cache.py)
    assert alone.stdout.split() == ["django.contrib.sessions.backends.cached_db", "sessions"]
    # several web processes without Redis: one's copy could outlive a sign-out in another
    assert several.stdout.split()[0] == "django.contrib.sessions.backends.db"
    assert shared.stdout.split() == ["django.contrib.sessions.backends.cached_db", "default"]


def test_the_redis_channel_layer_outwaits_its_own_blocking_pop(tmp_path):
    """An idle receive of the stored-message layer (HOTLINE_CHANNEL_LAYER=lists) blocks in
    Redis for the layer's pop time-out: the socket must not time out first (redis-py 8's
    default is as short), or the receiving task dies."""
    code = (
        "import django; django.setup();"
        "from channels.layers import get_channel_layer;"
        "layer = get_channel_layer();"
        "pool = layer.create_pool(0);"
        "print(pool.connection_kwargs.get('socket_timeout'), layer.brpop_timeout)"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_VAR_DIR=str(tmp_path),
        HOTLINE_REDIS_URL="redis://127.0.0.1:6379/0",
        HOTLINE_CHANNEL_LAYER="lists",
    )
    socket_timeout, pop_timeout = result.stdout.split()
    assert socket_timeout != "None" and float(socket_timeout) > float(pop_timeout) + 5


def test_production_pushes_go_through_redis_pub_sub_unless_told_otherwise(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        "print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_VAR_DIR": str(tmp_path),
        "HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    default = run_python(code, **env)
    lists = run_python(code, **env, HOTLINE_CHANNEL_LAYER="lists")
    wrong = run_python(code, **env, HOTLINE_CHANNEL_LAYER="kafka")

    assert default.stdout.strip() == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert lists.stdout.strip() == "channels_redis.core.RedisChannelLayer"
    assert wrong.returncode != 0
    assert "HOTLINE_CHANNEL_LAYER: expected pubsub or lists, got 'kafka'" in wrong.stderr


def test_production_refuses_to_start_without_a_public_url(tmp_path):
    env = dict(PRODUCTION)
    env.pop("HOTLINE_PUBLIC_URL")
    result = run_python("import django; django.setup()", **env, HOTLINE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ConfigError: HOTLINE_PUBLIC_URL: required" in result.stderr


def test_a_malformed_public_url_stops_start_up_naming_the_variable(tmp_path):
    for bad in ("hotline.example.com", "ftp://hotline.example.com", "https://h.example:99999"):
        result = run_python(
            "import django; django.setup()",
            DJANGO_SETTINGS_MODULE="hotline.settings",
            HOTLINE_PUBLIC_URL=bad,
            HOTLINE_VAR_DIR=str(tmp_path),
        )
        assert result.returncode != 0, bad
        assert "ConfigError: HOTLINE_PUBLIC_URL:" in result.stderr, result.stderr


_LINK_AS_SERVED = (
    "import sys, hotline.cli as cli;"
    "from datetime import timedelta;"
    "cli._serve = lambda *a, **k: 0;"  # everything up to listening, then stop
    "cli.main(sys.argv[1:]);"
    "from hotline.integrations.sms.links import signed_link;"
    "print(signed_link('wo', 7, expires_in=timedelta(hours=1)))"
)


def test_links_in_text_messages_default_to_where_hotline_web_listens(tmp_path):
    result = run_python(_LINK_AS_SERVED, "web", "--port", "8123", HOTLINE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("http://127.0.0.1:8123/s/wo.")


def test_a_server_on_every_interface_links_to_this_machines_network_address(tmp_path):
    every_interface = "0.0.0.0"  # noqa: S104
    result = run_python(
        _LINK_AS_SERVED, "web", "--host", every_interface, "--port", "8124",
        HOTLINE_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("http://") and ":8124/s/wo." in link
    assert every_interface not in link


def test_the_public_url_wins_over_where_the_server_listens(tmp_path):
    result = run_python(
        _LINK_AS_SERVED, "web", "--port", "8125",
        HOTLINE_PUBLIC_URL="https://hotline.example.com/",
        HOTLINE_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("https://hotline.example.com/s/wo.")


def test_hotline_run_hands_where_it_listens_to_the_worker_it_starts(tmp_path):
    # The worker is started with this process's environment before the server listens;
    # stopping at Django's set-up shows what it would inherit.
    code = (
        "import os, sys, hotline.cli as cli;"
        "cli._setup_django = lambda: sys.exit(print(os.environ['HOTLINE_SERVED_URL']));"
        "cli.main(['run', '--port', '8126'])"
    )
    result = run_python(code, HOTLINE_VAR_DIR=str(tmp_path))
    assert result.stdout.strip() == "http://127.0.0.1:8126", result.stderr


def test_the_memory_cache_keeps_the_answers_of_many_signed_in_users(db, settings):
    """Without Redis, permissions and scope are cached per user in the process's memory:
    Django's default of 300 entries evicted them over and over with 500 agents."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.accounts.backends import RoleBackend
    from hotline.accounts.models import Role, User
    from tests import factories

    if settings.REDIS_URL:
        return
    cache = caches["default"]
    user = factories.user(Role.AGENT)
    RoleBackend().get_all_permissions(user)
    for n in range(800):  # what a few hundred other users' answers take
        cache.set(f"test:other:{n}", n)
    again = User.objects.get(pk=user.pk)  # the same user's next request
    with CaptureQueriesContext(connection) as queries:
        assert RoleBackend().get_all_permissions(again)
    assert len(queries) == 0  # from the cache, not recomputed
