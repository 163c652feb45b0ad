"""Every HTML page carries a Content-Security-Policy that allows only Hotline's own scripts."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from hotline.content_security import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, str]:
    return {
        name: value
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
    }


def test_a_signed_in_page_allows_only_own_scripts_and_the_push_socket(login, agent):
    response = login(agent).get("/customers/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["img-src"] == "'self' data: blob:"
    assert policy["connect-src"] == "'self' ws://testserver wss://testserver"
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_the_login_page_and_error_pages_carry_the_policy(client):
    for response in (client.get("/login/"), client.get("/no-such-page/")):
        assert response["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_htmx_eval_is_switched_off_on_every_page(login, agent):
    html = login(agent).get("/customers/").content.decode()
    assert """<meta name="htmx-config" content='{"allowEval": false}'>""" in html
    assert "hx-on" not in html


def test_json_answers_get_no_page_policy(client):
    response = client.get("/api/v1/customers/")
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response


def test_the_api_docs_load_their_start_script_from_a_file(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_a_response_with_its_own_policy_keeps_it():
    def sandboxed(request):
        response = HttpResponse("<p>x</p>", content_type="text/html")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    response = ContentSecurityPolicyMiddleware(sandboxed)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
