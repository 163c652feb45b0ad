"""The customer page: notes, secondary phones, duplicates, merge and undo."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from hotline.accounts.models import AuditEntry
from hotline.customers import merging, selectors, services
from hotline.customers.models import Customer, CustomerMerge, ServiceAccount, Tag
from tests import factories


@pytest.fixture
def twins(world):
    """The same person entered twice: same ID number and phone, slightly different names."""
    first = factories.customer(world.s1a, name="张伟", phone="13912345678", address="")
    second = factories.customer(
        world.s1a,
        name="张 伟",
        phone="13912345678",
        phones=[("051988001234", "home")],
        id_number=first.id_number,
        address="红梅新村5幢",
    )
    ServiceAccount.objects.create(customer=second, number="5190000777")
    services.customer_note_add(customer=second, by=None, body="报修：无信号")
    vip = Tag.objects.create(name="VIP大客户")
    second.tags.add(vip)
    return first, second


def test_note_is_added_to_the_timeline_newest_first(world, agent, client):
    client.force_login(agent)
    url = reverse("customers:note", args=[world.c1a.pk])
    client.post(url, {"body": "第一条"})
    response = client.post(url, {"body": "第二条\n详细说明"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.index("第二条") < html.index("第一条")
    assert "<html" not in html


def test_empty_note_is_refused_with_a_field_message(world, agent, client):
    client.force_login(agent)
    response = client.post(
        reverse("customers:note", args=[world.c1a.pk]), {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert world.c1a.timeline.count() == 0


def test_a_note_with_a_direction_override_is_refused_as_the_api_refuses_it(world, agent, client):
    client.force_login(agent)
    response = client.post(
        reverse("customers:note", args=[world.c1a.pk]),
        {"body": "已退款\u202e0001"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "备注：" in html and "U+202E" in html
    assert world.c1a.timeline.count() == 0


def test_note_outside_scope_is_404(world, agent, client):
    client.force_login(agent)
    assert (
        client.post(reverse("customers:note", args=[world.c2a.pk]), {"body": "x"}).status_code
        == 404
    )


def test_duplicates_are_detected_by_id_or_phone_and_similar_name(twins, team_lead):
    first, second = twins
    assert selectors.customer_duplicates(customer=first, user=team_lead) == [second]


def test_merge_moves_everything_and_undo_restores_it(twins, team_lead):
    first, second = twins
    merge = merging.customer_merge(survivor=first, duplicate=second, by=team_lead)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.merged_into == first
    assert set(first.phones.values_list("number", flat=True)) == {"13912345678", "051988001234"}
    assert first.accounts.filter(number="5190000777").exists()
    assert first.timeline.filter(kind="note").exists()
    assert first.tags.filter(name="VIP大客户").exists()
    assert first.address == "红梅新村5幢"  # filled from the duplicate
    entry = AuditEntry.objects.get(action="merge")
    assert entry.actor_id == team_lead.pk and entry.changes["duplicate"] == second.pk

    merging.customer_merge_undo(merge=merge, by=team_lead)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.merged_into is None
    assert set(second.phones.values_list("number", flat=True)) == {"13912345678", "051988001234"}
    assert set(first.phones.values_list("number", flat=True)) == {"13912345678"}
    assert second.accounts.filter(number="5190000777").exists()
    assert second.timeline.filter(kind="note").exists()
    assert not first.tags.exists()
    assert first.address == ""
    assert CustomerMerge.objects.get(pk=merge.pk).undone_at is not None
    assert AuditEntry.objects.filter(action="merge_undo").exists()
    with pytest.raises(ValidationError):
        merging.customer_merge_undo(merge=merge, by=team_lead)


def test_merge_needs_permission_and_refuses_self(twins, agent, team_lead):
    first, second = twins
    with pytest.raises(PermissionDenied):
        merging.customer_merge(survivor=first, duplicate=second, by=agent)
    with pytest.raises(ValidationError):
        merging.customer_merge(survivor=first, duplicate=first, by=team_lead)


def test_merge_refuses_more_phones_than_a_customer_may_keep(twins, team_lead):
    first, second = twins
    from hotline.customers.models import CustomerPhone

    for n in range(8):  # the survivor 9 numbers, the duplicate 2 (one shared): 10 together
        CustomerPhone.objects.create(customer=first, number=f"1380000000{n}", kind="mobile")
    CustomerPhone.objects.create(customer=second, number="13900000099", kind="mobile")
    with pytest.raises(ValidationError) as refused:  # 11 distinct numbers
        merging.customer_merge(survivor=first, duplicate=second, by=team_lead)
    assert "11" in " ".join(refused.value.message_dict["duplicate"])
    second.refresh_from_db()
    assert second.merged_into_id is None and second.phones.count() == 3
    CustomerPhone.objects.filter(number="13900000099").delete()
    merging.customer_merge(survivor=first, duplicate=second, by=team_lead)  # 10: allowed
    assert first.phones.count() == 10


def test_merge_through_the_page(twins, team_lead, client):
    first, second = twins
    client.force_login(team_lead)
    page = client.get(reverse("customers:detail", args=[first.pk])).content.decode()
    assert f'data-merge="{second.pk}"' in page
    response = client.post(reverse("customers:merge", args=[first.pk]), {"duplicate": second.pk})
    assert response.status_code == 302
    assert Customer.objects.get(pk=second.pk).merged_into_id == first.pk
    merged_page = client.get(reverse("customers:detail", args=[second.pk])).content.decode()
    assert f"/customers/{first.pk}/" in merged_page


def test_merge_cannot_pull_in_a_customer_outside_scope(world, team_lead, client):
    client.force_login(team_lead)
    response = client.post(
        reverse("customers:merge", args=[world.c1a.pk]), {"duplicate": world.c2a.pk}
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=world.c2a.pk).merged_into_id is None


def test_secondary_phone_is_masked_and_revealed_with_audit(twins, team_lead, client):
    _first, second = twins
    home = second.phones.get(kind="home")
    client.force_login(team_lead)
    page = client.get(reverse("customers:detail", args=[second.pk])).content.decode()
    assert "051988001234" not in page
    response = client.post(reverse("customers:reveal", args=[second.pk, f"phone-{home.pk}"]))
    assert response.content.decode().strip() == "051988001234"
    assert AuditEntry.objects.filter(
        action="reveal", model="customers.customerphone", object_id=str(home.pk)
    ).exists()


def test_customer_page_query_count(twins, team_lead, client, django_assert_max_num_queries):
    first, _second = twins
    client.force_login(team_lead)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("customers:detail", args=[first.pk])).status_code == 200


def test_a_note_from_the_page_is_audited_as_its_author(world, agent, client):
    client.force_login(agent)
    client.post(reverse("customers:note", args=[world.c1a.pk]), {"body": "来电咨询"})
    entry = AuditEntry.objects.get(action="create", model="customers.timelineentry")
    assert entry.actor_id == agent.pk
    assert entry.changes["customer"] == [None, world.c1a.pk]
