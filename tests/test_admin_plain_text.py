"""The admin's forms refuse text holding control or text-direction characters, as the pages
and the API do: labels typed there (statistic items, order types' form fields, team names) are
shown to every agent. The error is under the field and names it; nothing is written."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from hotline.accounts.models import Team
from hotline.catalog.models import StatisticItem
from hotline.tickets.models import OrderType, SlaPolicy
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def _post_add(client, model, **typed):  # type: ignore[no-untyped-def]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    data = {**form_data(client.get(url).context["adminform"].form), **typed}
    return client.post(url, data)


def test_a_statistic_item_label_with_an_override_is_refused_under_the_field(
    world, admin_user, client
):
    client.force_login(admin_user)
    response = _post_add(
        client, StatisticItem, code="refund", label_zh=f"退款{RLO}0001", label_en="Refund"
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["label_zh"]
    assert "U+202E" in error
    assert response.context["adminform"].form["label_zh"].value() == f"退款{RLO}0001"
    assert not StatisticItem.objects.filter(code="refund").exists()


def test_a_team_name_with_a_control_character_is_refused(world, admin_user, client):
    client.force_login(admin_user)
    response = _post_add(client, Team, name="一班\x1b[31m")
    assert "U+001B" in response.context["adminform"].form.errors["name"][0]
    assert not Team.objects.filter(name__startswith="一班").exists()


def test_an_order_types_form_field_label_is_checked_in_the_inline(world, admin_user):
    policy = SlaPolicy.objects.create(
        code="p48",
        label_zh="48小时",
        label_en="48 h",
        response_amount=1,
        arrival_amount=4,
        resolution_amount=48,
        closure_amount=3,
    )
    order_type = OrderType.objects.create(
        code="repair", label_zh="维修", label_en="Repair", sla_policy=policy
    )
    request = RequestFactory().get("/")
    request.user = admin_user
    inline = next(
        i
        for i in admin.site._registry[OrderType].get_inline_instances(request, order_type)
        if i.model._meta.model_name == "formfield"
    )
    formset_class = inline.get_formset(request, order_type)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-sort_order": "1",
        f"{prefix}-0-key": "serial",
        f"{prefix}-0-label_zh": f"序列号{RLO}",
        f"{prefix}-0-label_en": "Serial",
        f"{prefix}-0-kind": "text",
    }
    formset = formset_class(data, instance=order_type, prefix=prefix)
    assert not formset.is_valid()
    assert "U+202E" in formset.forms[0].errors["label_zh"][0]


def test_plain_labels_still_save(world, admin_user, client):
    client.force_login(admin_user)
    response = _post_add(client, StatisticItem, code="bill", label_zh="账单", label_en="Bill")
    assert response.status_code == 302
    assert StatisticItem.objects.filter(code="bill").exists()
