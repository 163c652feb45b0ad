"""The audit log page reads well for a manager: translated object types and field names,
"field: old → new" lines, sign-ins in their own filter, no changes nobody made."""

from __future__ import annotations

import re

from django.urls import reverse

from hotline.accounts.models import AuditEntry, Role
from hotline.audit.context import audit_actor
from hotline.audit.record import audit_record
from hotline.customers.models import Customer
from tests import factories
from tests.admin_forms import form_data


def rows(client, **params) -> list[str]:
    """The visible text of each row of the audit page (tags stripped, spaces collapsed)."""
    html = client.get(reverse("accounts:audit"), params).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_a_change_reads_as_field_old_to_new_in_the_readers_language(world, manager, client):
    customer = Customer.objects.get(pk=world.c1a.pk)
    with audit_actor(manager):
        customer.name = "张伟明"
        customer.kind = Customer.Kind.COMPANY
        customer.save(update_fields=["name", "kind"])
    client.force_login(manager)
    chinese = rows(client, action="update", model="customers.customer")[0]
    assert "客户" in chinese and "customers.customer" not in chinese
    assert "姓名: 张伟 → 张伟明" in chinese or "名称: 张伟 → 张伟明" in chinese
    assert "类型: 个人 → 单位" in chinese or "类型: 个人 → 企业" in chinese
    client.cookies["django_language"] = "en"
    english = rows(client, action="update", model="customers.customer")[0]
    assert "customer" in english and "张伟 → 张伟明" in english
    assert "kind: Person → Company" in english.replace("Kind", "kind")


def test_object_type_filter_lists_translated_names(world, manager, client):
    client.force_login(manager)
    form = client.get(reverse("accounts:audit")).context["form"]
    choices = dict(form.fields["model"].choices)
    assert choices["customers.customer"] == "客户"
    assert choices["accounts.user"] == "用户"


def test_region_binding_and_password_changes_read_plainly(world, agent, manager, client):
    with audit_actor(manager):
        agent.regions.add(world.d2)
        agent.set_password("another-long-password")
        agent.save(update_fields=["password"])
    client.force_login(manager)
    text = " | ".join(rows(client, action="update", model="accounts.user"))
    assert "地区: 添加 武进区" in text
    assert "密码: 已修改（不显示）" in text
    assert "***" not in text


def test_sign_ins_have_their_own_filter_and_do_not_flood_the_list(world, manager, client):
    with audit_actor(manager):
        factories.customer(world.s1a, name="孙丽")
    client.force_login(manager)  # itself a login entry
    for _ in range(3):
        audit_record(action=AuditEntry.Action.LOGIN, obj=manager)
    audit_record(action=AuditEntry.Action.LOGIN_FAILED, model="accounts.user", object_repr="x")
    default = client.get(reverse("accounts:audit")).context["page"]
    assert default and all(
        e.action not in {"login", "logout", "login_failed"} for e in default.object_list
    )
    sign_ins = client.get(reverse("accounts:audit"), {"category": "sign_in"}).context["page"]
    assert {e.action for e in sign_ins.object_list} == {"login", "login_failed"}
    chosen = client.get(reverse("accounts:audit"), {"action": "login"}).context["page"]
    assert len(chosen.object_list) == 4
    everything = client.get(reverse("accounts:audit"), {"category": "all"}).context["page"]
    assert {"login", "create"} <= {e.action for e in everything.object_list}


def test_reveal_names_the_field_that_was_read(world, team_lead, manager, client):
    client.force_login(team_lead)
    client.post(reverse("customers:reveal", args=[world.c1a.pk, "id_number"]))
    client.force_login(manager)
    assert "查看的数据: 身份证号" in rows(client, action="reveal")[0]


def test_saving_a_user_in_the_admin_without_changes_logs_no_change(world, admin_user, client):
    agent = factories.user(Role.AGENT, regions=[world.d1], username="unchanged")
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    form = client.get(url).context["adminform"].form
    before = AuditEntry.objects.filter(model="accounts.user", object_id=str(agent.pk)).count()
    response = client.post(url, form_data(form))
    assert response.status_code == 302, response.context["adminform"].form.errors
    entries = AuditEntry.objects.filter(model="accounts.user", object_id=str(agent.pk))
    assert entries.count() == before, list(entries.values_list("changes", flat=True))


def test_an_unmasked_export_names_what_was_read_and_how_much(world, manager, client):
    with audit_actor(manager):
        audit_record(
            action="reveal",
            model="customers.customer",
            object_repr="export csv: 3 customers",
            changes={"export": "csv", "rows": 3, "fields": ["phone", "id_number"]},
        )
    client.force_login(manager)
    row = rows(client, action="reveal")[0]
    assert "导出格式: csv" in row and "行数: 3" in row
    assert "查看的数据: 电话, 身份证号" in row


def test_times_in_changes_and_system_actors_read_in_the_readers_zone_and_language(
    world, manager, client
):
    AuditEntry.objects.create(
        actor=None,
        actor_name="timer",
        action=AuditEntry.Action.UPDATE,
        model="tickets.ticket",
        object_id="1",
        changes={"resolution_due_at": ["2026-11-24T11:52:56.740312+00:00", None]},
    )
    client.force_login(manager)
    chinese = rows(client, action="update", model="tickets.ticket")[0]
    # Stored in UTC; shown in Shanghai time like every other time on the page.
    assert "2026-11-24 19:52:56" in chinese and "+00:00" not in chinese
    assert "系统（定时器）" in chinese and "timer" not in chinese
    client.cookies["django_language"] = "en"
    english = rows(client, action="update", model="tickets.ticket")[0]
    assert "System (timer)" in english and "2026-11-24 19:52:56" in english


def test_staff_and_regions_in_changes_read_by_name_customers_by_id(world, manager, client):
    lead = factories.user(Role.TEAM_LEAD, username="lead_x", first_name="志强", last_name="周")
    with audit_actor(manager):
        audit_record(
            action="update",
            model="tickets.ticket",
            object_id="7",
            object_repr="WO-1",
            changes={
                "owner": [manager.pk, lead.pk],
                "region": [world.s1a.pk, world.d2.pk],
                "customer": [None, world.c1a.pk],
            },
        )
    client.force_login(manager)
    line = rows(client, action="update", model="tickets.ticket")[0]
    assert f"{lead} (#{lead.pk})" in line
    assert f"{world.s1a.name} (#{world.s1a.pk}) → {world.d2.name} (#{world.d2.pk})" in line
    assert f"→ #{world.c1a.pk}" in line and world.c1a.name not in line


def test_knowledge_actions_read_by_name_not_by_code(world, manager, client):
    from hotline.catalog.models import StatisticItem
    from tests.knowledge.test_call_scripts import make_script

    StatisticItem.objects.create(code="tv-signal", label_zh="电视无信号", label_en="No signal")
    editor = factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")
    make_script(editor, name="无信号")
    client.force_login(manager)
    text = " | ".join(rows(client, model="knowledge.callscript"))
    assert "save_version" not in text and "publish" not in text
    assert "保存版本" in text and "发布" in text
    # The version saved is a number, not a pair with an empty side.
    assert "版本: 1" in text and "—, 1" not in text
    choices = dict(client.get(reverse("accounts:audit")).context["form"].fields["action"].choices)
    assert choices["confirm_read"] == "确认已读"


def test_an_orders_form_reads_field_by_field_with_the_types_labels(world, manager, client):
    from hotline.tickets.services.opening import ticket_open
    from tests.tickets.conftest import make_desk

    desk = make_desk(world)
    order = ticket_open(
        by=desk.agent, order_type=desk.fault, customer=world.c1a, form={"symptom": "机顶盒不开机"}
    )
    with audit_actor(manager):
        audit_record(
            action="update",
            model="tickets.ticket",
            object_id=str(order.pk),
            object_repr=order.number,
            changes={
                "form_data": [{"symptom": "机顶盒不开机"}, {"symptom": "无信号", "gone": "x"}]
            },
        )
    client.force_login(manager)
    updated, created = rows(client, model="tickets.ticket")[:2]
    assert "现象: 机顶盒不开机" in created
    assert "现象: 机顶盒不开机 → 无信号" in updated and "gone: — → x" in updated
    assert "{" not in created + updated and "'symptom'" not in created + updated
    client.cookies["django_language"] = "en"
    assert "Symptom: 机顶盒不开机" in rows(client, model="tickets.ticket")[1]


def test_a_text_messages_reference_names_the_order_and_purpose_not_the_key(world, manager, client):
    with audit_actor(manager):
        audit_record(
            action="create",
            model="integrations.smsmessage",
            object_id="5",
            object_repr="短信 #5",
            changes={"to": "152****4104", "reference": "ticket:418:confirmation_code:c90c658df17a"},
        )
    client.force_login(manager)
    row = rows(client, model="integrations.smsmessage")[0]
    assert "流水号: 工单 #418：确认码" in row and "c90c658df17a" not in row
    client.cookies["django_language"] = "en"
    row = rows(client, model="integrations.smsmessage")[0]
    assert "reference: work order #418: confirmation code" in row


def test_object_types_sharing_a_name_are_told_apart_in_the_filter(world, manager, client):
    for model in (
        "customers.tag",
        "knowledge.tag",
        "knowledge.attachment",
        "tickets.ticketattachment",
    ):
        AuditEntry.objects.create(actor_name="x", action="create", model=model, object_id="1")
    client.force_login(manager)
    choices = client.get(reverse("accounts:audit")).context["form"].fields["model"].choices
    names = [name for _value, name in choices]
    assert len(names) == len(set(names)), names
    named = dict(choices)
    assert named["customers.tag"] == "标签（客户）"
    assert named["knowledge.tag"] == "标签（知识库）"
    assert named["customers.customer"] == "客户"  # a unique name stays as it is
    chosen = client.get(reverse("accounts:audit"), {"model": "knowledge.tag"}).context["page"]
    assert [e.model for e in chosen.object_list] == ["knowledge.tag"]
