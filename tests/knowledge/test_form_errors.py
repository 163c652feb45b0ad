"""The editor's forms put a field's error right under that field, inside the field's box.

A box that is a <p> is closed by the browser before the error list (<ul>): the error then sits
between the label and the field, or beside another field, instead of under its own."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hotline.knowledge.models import Article, CallScript, Directory, KnowledgeGroup
from hotline.knowledge.services import scripts as script_services

pytestmark = pytest.mark.django_db


def field_box(html: str, name: str) -> str:
    """The markup of field ``name``'s box, up to the next field's box."""
    start = f'<div class="field field-{name}'
    assert start in html, f"no box for {name}"
    return html.split(start, 1)[1].split('<div class="field field-', 1)[0]


def assert_error_under_field(response, name: str) -> None:  # type: ignore[no-untyped-def]
    """The field's error list is inside its box, right after the field, which points at it;
    no error list floats before the box."""
    assert response.status_code == 200
    html = response.content.decode()
    box = field_box(html, name)
    field_tag = re.search(rf'<[a-z]+ [^>]*id="id_{name}"[^>]*>', box)
    assert field_tag is not None
    described_by = re.search(r'aria-describedby="([^"]*)"', field_tag.group())
    assert described_by is not None and f"id_{name}_error" in described_by.group(1).split()
    assert box.index(f'<ul class="errorlist" id="id_{name}_error">') >= field_tag.end()
    assert 'class="errorlist' not in html.split(f'<div class="field field-{name}', 1)[0]


def test_an_article_without_a_title_shows_the_error_under_the_title(world, client, editor):
    client.force_login(editor)
    response = client.post(reverse("knowledge:new"), {"kind": "article", "title": ""})
    assert_error_under_field(response, "title")
    assert not Article.objects.exists()


def test_an_unknown_area_fault_is_named_under_its_field_in_the_side_column(world, client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("knowledge:new"),
        {"kind": "article", "title": "停电通知", "area_fault": "AF20990101-404"},
    )
    assert_error_under_field(response, "area_fault")
    assert "AF20990101-404" in field_box(response.content.decode(), "area_fault")


def test_a_directory_without_a_name_shows_the_error_under_the_name(world, client, editor):
    client.force_login(editor)
    response = client.post(reverse("knowledge:directories"), {"name": "", "sort_order": "0"})
    assert_error_under_field(response, "name")
    assert not Directory.objects.exists()


def test_a_group_without_a_name_shows_the_error_under_the_name(world, client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("knowledge:group_new"), {"name": ""})
    assert_error_under_field(response, "name")
    assert not KnowledgeGroup.objects.exists()


def test_a_new_call_script_without_a_name_shows_the_error_under_the_name(world, client, editor):
    client.force_login(editor)
    response = client.post(reverse("knowledge:scripts"), {"name": "", "active": "on"})
    assert_error_under_field(response, "name")
    assert not CallScript.objects.exists()


def test_a_call_scripts_settings_without_a_name_show_the_error_under_the_name(
    world, client, editor
):
    script = script_services.script_create(
        data=script_services.ScriptSettings(name="宽带故障"), by=editor
    )
    client.force_login(editor)
    response = client.post(reverse("knowledge:script", args=[script.pk]), {"name": ""})
    assert_error_under_field(response, "name")
    script.refresh_from_db()
    assert script.name == "宽带故障"
