"""What `make run` shows when something is missing or broken: translated pages, never Django's
debug pages; static files and the icon served without DEBUG."""

from __future__ import annotations

import httpx
import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from tests.processes import free_port, hotline, run_python, serving

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_debug_is_off_unless_a_developer_asks_for_it(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    setup = {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(tmp_path)}
    as_make_run = run_python("-c", code, HOTLINE_ENV="development", **setup)
    developer = run_python("-c", code, HOTLINE_ENV="development", HOTLINE_DEBUG="1", **setup)
    assert as_make_run.returncode == 0, as_make_run.stderr
    assert as_make_run.stdout.strip() == "False"
    assert developer.stdout.strip() == "True"


def test_web_server_with_make_run_settings_answers_a_missing_page_in_chinese(tmp_path):
    """The real ASGI server, started as `make run` starts it (no HOTLINE_DEBUG)."""
    assert hotline("manage", "migrate", "-v0", var_dir=tmp_path).returncode == 0
    port = free_port()
    with serving("web", "--port", str(port), port=port, var_dir=tmp_path) as base:
        missing = httpx.get(base + "/no-such-page/")
        css = httpx.get(base + "/static/hotline/hotline.css")
        icon = httpx.get(base + "/favicon.ico", follow_redirects=True)
    assert missing.status_code == 404
    assert "未找到" in missing.text
    assert "URLconf" not in missing.text and "Traceback" not in missing.text
    assert css.status_code == 200 and "--accent" in css.text
    assert icon.status_code == 200 and icon.text.startswith("<svg")


@override_settings(DEBUG=False)
def test_missing_page_is_the_translated_page_with_the_menu(world, agent, client):
    client.force_login(agent)
    chinese = client.get("/customers/999999999/")
    assert chinese.status_code == 404
    html = chinese.content.decode()
    assert "未找到" in html and 'data-menu="customers"' in html
    assert "URLconf" not in html
    client.cookies["django_language"] = "en"
    english = client.get("/no-such-page/").content.decode()
    assert "Not found" in english and 'lang="en"' in english


@override_settings(DEBUG=False)
def test_forbidden_page_is_translated(world, agent, client):
    client.force_login(agent)
    response = client.get(reverse("accounts:audit"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.urls("tests.error_urls")
@override_settings(DEBUG=False)
def test_server_error_is_a_translated_page_without_a_traceback(world, agent):
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    assert "ZeroDivisionError" not in html and "Traceback" not in html


def test_server_error_page_renders_without_a_request_or_the_database():
    # No database fixture: any query here would fail the test.
    html = render_to_string("500.html")
    response = server_error(RequestFactory().get("/"))  # Django's handler500
    assert "出错了" in html
    assert response.status_code == 500 and "出错了" in response.content.decode()


@override_settings(DEBUG=False)
def test_expired_form_gets_a_translated_explanation(world, agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("customers:note", args=[world.c1a.pk]), {"body": "x"})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


@override_settings(DEBUG=False)
def test_static_files_and_icon_are_served_without_debug(world, agent, client):
    client.force_login(agent)
    page = client.get(reverse("home")).content.decode()
    assert 'rel="icon" href="/static/hotline/favicon.svg"' in page
    for path in ("/static/hotline/favicon.svg", "/static/hotline/hotline.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content)
    assert client.get("/favicon.ico").url == "/static/hotline/favicon.svg"


@override_settings(DEBUG=False)
def test_admin_pages_carry_the_icon(world, admin_user, client):
    client.force_login(admin_user)
    assert "hotline/favicon.svg" in client.get(reverse("admin:index")).content.decode()
