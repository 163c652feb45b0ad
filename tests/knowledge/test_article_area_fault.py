"""An article's area fault: typed as the fault's number, checked, linked on the article."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from hotline.knowledge.models import Article
from hotline.tickets.models import AreaFault, OrderType, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def a_fault(number: str, regions) -> AreaFault:
    policy, _ = SlaPolicy.objects.get_or_create(
        code="normal", defaults={"label_zh": "一般", "label_en": "Normal", "resolution_amount": 48}
    )
    kind, _ = OrderType.objects.get_or_create(
        code="fault-repair",
        defaults={"label_zh": "故障维修", "label_en": "Fault repair", "sla_policy": policy},
    )
    fault = AreaFault.objects.create(number=number, title="红梅站光节点故障", order_type=kind)
    fault.regions.set(regions)
    return fault


def announcement_form(**fields):
    until = timezone.localtime() + datetime.timedelta(days=1)
    return {
        "kind": "announcement",
        "title": "红梅片区停电",
        "body_html": "<p>今日停电。</p>",
        "valid_until": until.strftime("%Y-%m-%dT%H:%M"),
        **fields,
    }


def test_the_editor_types_the_fault_number_and_readers_follow_the_link(
    world, client, editor, agent
):
    fault = a_fault("AF20261124-001", [world.s1a])
    a_fault("AF20261124-002", [world.s2a])
    client.force_login(editor)
    page = client.post(reverse("knowledge:new"), announcement_form(area_fault="AF20261124-404"))
    assert (
        "There is no area fault numbered “AF20261124-404” in your areas." in page.content.decode()
    )
    created = client.post(reverse("knowledge:new"), announcement_form(area_fault="af20261124-001"))
    article = Article.objects.get(title="红梅片区停电")
    assert created.status_code == 302 and article.area_fault == fault
    edit = client.get(reverse("knowledge:edit", args=[article.pk])).content.decode()
    assert 'value="AF20261124-001"' in edit
    client.post(reverse("knowledge:action", args=[article.pk, "publish"]))
    client.force_login(agent)
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert reverse("tickets:fault_detail", args=[fault.pk]) in page
    client.force_login(editor)  # edits the article but may not open area faults
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert "AF20261124-001" in page
    assert reverse("tickets:fault_detail", args=[fault.pk]) not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_references_to_faults_and_drops_free_text(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    fault = a_fault("AF20261124-007", [world.s1a])
    before = [("knowledge", "0002_search_index")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("knowledge", "Article")
    for title, ref in [
        ("by id", f"tickets.areafault:{fault.pk}"),
        ("by number", "AF20261124-007"),
        ("free text", "红梅站停电"),
    ]:
        old.objects.create(title=title, area_fault_ref=ref)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    faults = dict(Article.objects.values_list("title", "area_fault_id"))
    assert faults == {"by id": fault.pk, "by number": fault.pk, "free text": None}
