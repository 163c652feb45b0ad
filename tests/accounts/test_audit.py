"""The audit log records every business change and every unmasked read, and cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from hotline.accounts.models import AuditEntry, Role
from hotline.audit.context import audit_actor
from hotline.catalog.models import StatisticItem
from tests import factories


def entries_for(obj, action=None):
    entries = AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
    return entries.filter(action=action) if action else entries


def test_create_update_delete_are_logged_with_actor_and_before_after(world, manager):
    with audit_actor(manager, ip="10.0.0.8"):
        item = StatisticItem.objects.create(code="complaint", label_zh="投诉", label_en="Complaint")
        item.label_en = "Complaint (any)"
        item.save(update_fields=["label_en"])
        item_pk = item.pk
        item.delete()
    created, updated, deleted = AuditEntry.objects.filter(
        model="catalog.statisticitem", object_id=str(item_pk)
    ).order_by("id")
    assert created.action == "create" and created.changes["code"] == [None, "complaint"]
    assert updated.action == "update"
    assert updated.changes == {"label_en": ["Complaint", "Complaint (any)"]}
    assert deleted.action == "delete" and deleted.changes["code"] == ["complaint", None]
    for entry in (created, updated, deleted):
        assert entry.actor_id == manager.pk
        assert entry.actor_name == "manager"
        assert entry.ip == "10.0.0.8"


def test_saving_without_changes_writes_nothing(world):
    item = StatisticItem.objects.create(code="x", label_zh="x", label_en="x")
    item = StatisticItem.objects.get(pk=item.pk)
    before = AuditEntry.objects.count()
    item.save()
    assert AuditEntry.objects.count() == before


def test_personal_data_changes_are_logged_masked(world):
    customer = world.c1a
    customer.phone = "13912345678"
    customer.save(update_fields=["phone"])
    entry = entries_for(customer, "update").latest("id")
    assert entry.changes["phone"][1] == "139****5678"
    assert "13912345678" not in str(entry.changes)


def test_password_changes_are_logged_without_the_hash(world, agent):
    agent.set_password("another-long-password")
    agent.save()
    entry = entries_for(agent, "update").latest("id")
    assert entry.changes["password"] == ["***", "***"]


def test_region_binding_changes_are_logged(world, agent):
    agent.regions.add(world.d2)
    entry = entries_for(agent, "update").latest("id")
    assert entry.changes == {"regions": {"added": ["武进区"]}}


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(world):
    entry = AuditEntry.objects.latest("id")
    entry.object_repr = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_database_refuses_to_update_audit_rows(world):
    entry = AuditEntry.objects.latest("id")
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = %s WHERE id = %s", ["forged", entry.pk])  # noqa: S608
    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "forged"


def test_revealing_personal_data_is_audited(world, team_lead, client):
    client.force_login(team_lead)
    url = reverse("customers:reveal", args=[world.c1a.pk, "id_number"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert world.c1a.id_number in response.content.decode()
    entry = entries_for(world.c1a, "reveal").get()
    assert entry.actor_id == team_lead.pk
    assert entry.changes == {"field": "id_number"}


def test_reveal_is_refused_without_permission_and_nothing_is_logged(world, agent, client):
    client.force_login(agent)
    response = client.post(reverse("customers:reveal", args=[world.c1a.pk, "phone"]))
    assert response.status_code == 403
    assert not entries_for(world.c1a, "reveal").exists()


def test_reveal_only_works_for_personal_fields(world, team_lead, client):
    client.force_login(team_lead)
    response = client.post(reverse("customers:reveal", args=[world.c1a.pk, "name"]))
    assert response.status_code == 403


def test_reveal_is_a_post(world, team_lead, client):
    client.force_login(team_lead)
    response = client.get(reverse("customers:reveal", args=[world.c1a.pk, "phone"]))
    assert response.status_code == 405


def test_pages_show_personal_data_masked(world, team_lead, client):
    client.force_login(team_lead)
    page = client.get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    assert world.c1a.id_number not in page
    assert world.c1a.phone not in page
    assert world.c1a.id_number[:4] + "*" * 10 + world.c1a.id_number[-4:] in page


def test_audit_page_filters_and_is_limited_to_permitted_roles(world, manager, agent, client):
    with audit_actor(manager):
        StatisticItem.objects.create(code="billing", label_zh="缴费", label_en="Billing")
    client.force_login(agent)
    assert client.get(reverse("accounts:audit")).status_code == 403
    client.force_login(manager)
    response = client.get(reverse("accounts:audit"), {"actor": "manager", "action": "create"})
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows and all(r.actor_name == "manager" and r.action == "create" for r in rows)
    bad = client.get(
        reverse("accounts:audit"), {"date_from": "2026-02-02", "date_to": "2026-01-01"}
    )
    assert "date_to" in bad.context["form"].errors


def test_demo_role_admin_sees_audit_log_in_admin_site(world, admin_user, client):
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:accounts_auditentry_changelist"), {"action__exact": "create"}
    )
    assert response.status_code == 200
    change = client.get(
        reverse("admin:accounts_auditentry_change", args=[AuditEntry.objects.first().pk])
    )
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


def test_role_permissions_come_from_the_role(world):
    lead = factories.user(Role.TEAM_LEAD)
    agent = factories.user(Role.AGENT)
    assert lead.has_perm("customers.unmask_personal_data")
    assert not agent.has_perm("customers.unmask_personal_data")
    assert agent.has_perm("customers.view_customer")


def test_opening_a_customer_in_the_admin_form_is_an_audited_read(world, admin_user, client):
    client.force_login(admin_user)
    response = client.get(reverse("admin:customers_customer_change", args=[world.c1a.pk]))
    assert response.status_code == 200
    assert entries_for(world.c1a, "reveal").filter(actor_id=admin_user.pk).exists()


def test_new_default_permissions_reach_existing_roles_but_removals_stick(world):
    from django.contrib.auth.models import Permission

    from hotline.accounts.roles import ensure_default_roles

    lead = Role.objects.get(code=Role.TEAM_LEAD)
    merge = Permission.objects.get(codename="merge_customer")
    unmask = Permission.objects.get(codename="unmask_personal_data")
    # An installation from before "merge" was a team-lead default: never granted, not recorded.
    lead.permissions.remove(merge)
    lead.granted_defaults = [p for p in lead.granted_defaults if p != "customers.merge_customer"]
    lead.save(update_fields=["granted_defaults"])
    # An admin took "unmask" away on purpose.
    lead.permissions.remove(unmask)

    ensure_default_roles()
    assert lead.permissions.filter(pk=merge.pk).exists()
    assert not lead.permissions.filter(pk=unmask.pk).exists()
