"""Every model in the admin site renders its list and add pages, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

MODELS = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_admin_pages_render(world, admin_user, client, language, app_label, model_name):
    client.force_login(admin_user)
    client.cookies["django_language"] = language
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    assert f'lang="{language}"' in changelist.content.decode()
    model_admin = admin.site._registry[
        next(m for m in admin.site._registry if m._meta.model_name == model_name)
    ]
    if model_admin.has_add_permission(changelist.wsgi_request):
        assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 200
    first = model_admin.model._default_manager.first()
    if first is not None:
        change = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[first.pk]))
        assert change.status_code == 200


def test_admin_index_is_translated(world, admin_user, client):
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("admin:index")).content.decode()
    assert "地区" in chinese and "Hotline 管理" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(reverse("admin:index")).content.decode()
    assert "Regions" in english and "Hotline administration" in english


def test_non_staff_roles_cannot_open_the_admin(world, agent, client):
    client.force_login(agent)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
