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


# Foreign keys whose target stays small (a code list an admin maintains by hand) may use a
# plain select; every other one must be picked by search or typed id, never listed in full.
SMALL_TABLES = {
    "auth.permission",
    "auth.group",
    "accounts.role",
    "customers.tag",
    "catalog.statisticitem",
    "integrations.apiclient",
    "routing.skill",
    "routing.queue",
}


def test_every_foreign_key_to_a_large_table_is_picked_by_search(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only pages show the related object as text
        form = model_admin.get_form(request, obj=None)
        for name in form.base_fields:
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: S112  (a form-only field)
                continue
            if not field.is_relation or field.related_model._meta.label_lower in SMALL_TABLES:
                continue
            if name not in (*model_admin.autocomplete_fields, *model_admin.raw_id_fields):
                offenders.append(f"{model._meta.label}.{name}")
    assert not offenders


def _change_form_cost(client, customer, django_assert_max_num_queries) -> tuple[int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:customers_customer_change", args=[customer.pk])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return len(queries), len(html), html.count("<option")


def test_customer_change_form_does_not_grow_with_the_number_of_customers(
    world, admin_user, client, django_assert_max_num_queries
):
    from tests import factories

    client.force_login(admin_user)
    customer = world.c1a
    customer.merged_into = world.c1b
    customer.save(update_fields=["merged_into"])
    client.get(reverse("admin:customers_customer_change", args=[customer.pk]))  # warm caches
    few = _change_form_cost(client, customer, django_assert_max_num_queries)
    for _ in range(150):
        factories.customer(world.s1a)
    many = _change_form_cost(client, customer, django_assert_max_num_queries)
    assert few[0] == many[0]  # queries
    assert abs(many[1] - few[1]) < 200  # bytes of HTML
    assert many[2] == few[2] < 60  # <option>s: the merged-into customer only, not all of them


def test_user_form_shows_role_regions_and_team_first_and_folds_raw_permissions(
    world, admin_user, client
):
    from hotline.accounts.models import User

    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_user_change", args=[admin_user.pk]))
    fieldsets = response.context["adminform"].fieldsets
    assert fieldsets[1][1]["fields"] == ("role", "regions", "team")
    folded = next(f for f in fieldsets if "user_permissions" in f[1]["fields"])
    assert "collapse" in folded[1]["classes"] and "groups" in folded[1]["fields"]
    html = response.content.decode()
    assert html.index('name="role"') < html.index('name="display_name"')
    add = client.get(reverse("admin:accounts_user_add")).context["adminform"].form
    assert {"role", "regions", "team"} <= set(add.fields)
    assert User._meta.get_field("regions").name in response.context["adminform"].form.fields


def test_permissions_are_named_in_chinese(world, admin_user, client):
    from hotline.accounts.models import Role

    client.force_login(admin_user)
    role = Role.objects.get(code=Role.AGENT)
    html = client.get(reverse("admin:accounts_role_change", args=[role.pk])).content.decode()
    assert "客户 | 可以查看客户" in html  # built-in permission: app | action + model
    assert "客户 | 可合并重复客户" in html  # one the customers app declares
    assert "Can view customer" not in html and "Can add" not in html


@pytest.mark.parametrize(
    ("url_name", "english"),
    [
        ("admin:index", ["Task Results", "Access attempts", "Tasks Database Backend", "Axes"]),
        ("admin:axes_accessattempt_changelist", ["IP Address", "Failed Logins", "Attempt Time"]),
        ("admin:django_tasks_database_dbtaskresult_changelist", ["Enqueued at", "Queue name"]),
        ("admin:accounts_user_add", ["After you’ve created a user"]),
    ],
)
def test_third_party_admin_pages_are_chinese(world, admin_user, client, url_name, english):
    client.force_login(admin_user)
    html = client.get(reverse(url_name)).content.decode()
    for text in english:
        assert text not in html
    assert "后台任务" in html or "登录" in html or "用户" in html


def test_login_lock_is_lifted_in_the_admin_only_through_an_audited_unlock(
    world, admin_user, client, settings
):
    from axes.models import AccessAttempt

    from hotline.accounts.models import AuditEntry

    settings.AXES_FAILURE_LIMIT = 2
    locked = AccessAttempt.objects.create(
        username="li.na",
        ip_address="10.1.2.3",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    client.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist)
    actions = [name for name, _label in page.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions and "unlock" in actions
    change = client.get(reverse("admin:axes_accessattempt_change", args=[locked.pk]))
    assert 'name="_save"' not in change.content.decode()  # read-only: nothing to edit
    assert (
        client.post(
            reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = client.post(
        changelist, {"action": "unlock", "_selected_action": [locked.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.actor_id == admin_user.pk
    assert entry.object_repr == "li.na"
    assert entry.changes["ip_address"] == "10.1.2.3"
