"""A merge's audit entry shows the phones it moved masked (the merge row keeps them for undo)."""

from __future__ import annotations

from django.urls import reverse

from hotline.accounts.models import AuditEntry
from hotline.audit.personal_data import can_unmask
from hotline.customers import merging
from hotline.customers.models import CustomerMerge
from tests import factories


def test_a_dropped_phone_is_masked_in_the_merge_audit_entry_and_page(
    world, team_lead, manager, client
):
    # The factory creates each customer's phone row, as the service does.
    first = factories.customer(world.s1a, name="张伟", phone="13912345678")
    second = factories.customer(world.s1a, name="张 伟", phone="13912345678")

    merge = merging.customer_merge(survivor=first, duplicate=second, by=team_lead)

    entry = AuditEntry.objects.get(action="merge")
    assert entry.changes["dropped_phones"] == [
        {"number": "139****5678", "kind": "mobile", "is_primary": True}
    ]
    assert "13912345678" not in str(entry.changes)
    # The merge itself keeps the number, so that an undo gives it back.
    assert CustomerMerge.objects.get(pk=merge.pk).moved["dropped_phones"][0]["number"] == (
        "13912345678"
    )

    assert not can_unmask(manager)
    client.force_login(manager)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert 'data-action="merge"' in page
    assert "139****5678" in page
    assert "13912345678" not in page

    merging.customer_merge_undo(merge=merge, by=team_lead)
    assert set(second.phones.values_list("number", flat=True)) == {"13912345678"}
