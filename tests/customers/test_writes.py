"""Customer writes through customers.services: permission, region scope, one transaction,
explicit audit history (before → after, personal data masked) and events."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hotline.accounts.models import AuditEntry, Role
from hotline.customers import selectors, services
from hotline.customers.models import Customer, CustomerPhone, ServiceAccount
from hotline.events import recorded_events
from hotline.push.send import recorded_pushes
from tests import factories


def _entries(customer: Customer, action: str = "update") -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            model="customers.customer", object_id=str(customer.pk), action=action
        ).order_by("id")
    )


def test_agent_creates_a_customer_with_typed_phones_accounts_and_a_masked_history(world, agent):
    with recorded_events() as events:
        customer = services.customer_create(
            by=agent,
            data={
                "name": "赵敏",
                "region": world.s1a,
                "id_number": factories.id_number(seq=77),
                "phones": [
                    {"number": "１３９００００１１１１", "kind": "mobile"},
                    {"number": "0519-8800-1111", "kind": "home"},
                ],
                "street": "青洋路",
                "compound": "红梅新村",
                "building": "40幢",
                "unit": "3单元",
                "room": "1203室",
                "accounts": ["5190009999"],
            },
        )
    assert customer.phone == "13900001111"
    phones = list(customer.phones.order_by("-is_primary", "id").values_list("number", "kind"))
    assert phones == [("13900001111", "mobile"), ("051988001111", "home")]
    assert (customer.building, customer.unit, customer.room) == ("40", "3", "1203")
    assert customer.district == "天宁区"
    assert customer.address == "常州市天宁区青洋路红梅新村40幢3单元1203室"
    assert ServiceAccount.objects.get(number="5190009999").customer == customer

    created = _entries(customer, "create")[0]
    assert created.actor_id == agent.pk
    assert created.changes["phone"] == [None, "139****1111"]
    assert "13900001111" not in str(created.changes)
    assert created.changes["phone_numbers"][1] == ["mobile 139****1111 *", "home 051*****1111"]
    assert [e.name for e in events] == ["customer.created"]
    assert events[0].data["customer"]["id"] == customer.pk
    assert "13900001111" not in str(events[0].data)


def test_an_agent_finds_the_new_customer_at_once_by_phone_id_and_address(world, agent):
    number = factories.id_number(seq=78)
    customer = services.customer_create(
        by=agent,
        data={
            "name": "钱多多",
            "region": world.s1b,
            "phone": "13900002222",
            "id_number": number,
            "address": "常州市天宁区青洋路红梅新村40幢3单元1203室",
        },
    )
    for text in ("13900002222", number, "青洋路红梅新村40幢3单元1203室", "红梅新村 40幢"):
        assert customer.pk in selectors.customer_search(user=agent, query=text).ids, text


def test_nothing_is_written_when_any_field_is_wrong(world, agent):
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as error, recorded_events() as events:
        services.customer_create(
            by=agent,
            data={"name": "张\x0b伟", "region": world.s1a, "phones": [{"number": "abc"}]},
        )
    assert set(error.value.error_dict) == {"name", "phones"}
    assert Customer.objects.count() == before and events == []


def test_create_needs_the_permission_and_a_region_in_scope(world, agent):
    inspector = factories.user(Role.QA_INSPECTOR)
    with pytest.raises(PermissionDenied):
        services.customer_create(by=inspector, data={"name": "x", "region": world.s1a})
    with pytest.raises(ValidationError) as error:
        services.customer_create(by=agent, data={"name": "x", "region": world.s2a})
    assert error.value.error_dict["region"][0].code == "unknown_region"
    assert not Customer.objects.filter(name="x").exists()


def test_an_account_number_already_taken_is_refused(world, agent):
    ServiceAccount.objects.create(customer=world.c1a, number="5190000001")
    with pytest.raises(ValidationError) as error:
        services.customer_create(
            by=agent, data={"name": "新", "region": world.s1a, "accounts": ["5190000001"]}
        )
    assert list(error.value.error_dict) == ["accounts"]


def test_update_records_before_and_after_and_publishes_what_changed(
    world, agent, django_capture_on_commit_callbacks
):
    customer = factories.customer(
        world.s1a, street="青洋路", compound="红梅新村", building="1", unit="1", room="101"
    )
    assert customer.address == "常州市天宁区青洋路红梅新村1幢1单元101室"
    with (
        recorded_events() as events,
        recorded_pushes() as pushes,
        django_capture_on_commit_callbacks(execute=True),
    ):
        updated = services.customer_update(
            customer=customer, by=agent, data={"building": "40幢", "name": customer.name}
        )
    assert updated.building == "40"
    # The full address was made from the parts, so it follows them.
    assert updated.address == "常州市天宁区青洋路红梅新村40幢1单元101室"
    entry = _entries(customer)[-1]
    assert entry.changes["building"] == ["1", "40"]
    assert entry.changes["address"] == ["常州市天宁区青洋路红梅新村1幢1单元101室", updated.address]
    assert "name" not in entry.changes
    assert [e.name for e in events] == ["customer.updated"]
    assert sorted(events[0].data["changed"]) == ["address", "building"]
    assert [(p.group, p.event) for p in pushes] == [(f"customer.{customer.pk}", "customer.updated")]
    assert pushes[0].data["by"] == agent.username


def test_a_typed_full_address_is_split_into_its_parts(world, agent):
    customer = factories.customer(world.s1a)
    updated = services.customer_update(
        customer=customer, by=agent, data={"address": "常州市武进区延政中路翠竹苑12幢3单元1203室"}
    )
    assert (updated.district, updated.street, updated.compound) == ("武进区", "延政中路", "翠竹苑")
    assert (updated.building, updated.unit, updated.room) == ("12", "3", "1203")


def test_an_unchanged_update_writes_nothing(world, agent):
    customer = factories.customer(world.s1a)
    with recorded_events() as events:
        services.customer_update(customer=customer, by=agent, data={"name": customer.name})
    assert events == [] and _entries(customer) == []


def test_changes_outside_the_users_regions_are_refused(world, agent):
    with pytest.raises(PermissionDenied):
        services.customer_update(customer=world.c2a, by=agent, data={"name": "x"})
    with pytest.raises(ValidationError):
        services.customer_update(customer=world.c1a, by=agent, data={"region": world.s2a})


def test_phone_services_keep_the_primary_number_in_step_and_audit_masked(world, agent):
    customer = factories.customer(world.s1a, phone="13900003333")
    home = services.customer_phone_add(
        customer=customer, by=agent, number="0519 8800 3333", kind="home"
    )
    assert home.number == "051988003333" and not home.is_primary
    with pytest.raises(ValidationError) as duplicate:
        services.customer_phone_add(customer=customer, by=agent, number="051988003333")
    assert duplicate.value.error_dict["number"][0].code == "duplicate"

    with recorded_events() as events:
        services.customer_phone_make_primary(phone=home, by=agent)
    customer.refresh_from_db()
    assert customer.phone == "051988003333"
    assert sorted(events[0].data["changed"]) == ["phone", "phones"]
    entry = _entries(customer)[-1]
    assert entry.changes["phone"] == ["139****3333", "051*****3333"]
    assert "13900003333" not in str(entry.changes)

    mobile = customer.phones.get(number="13900003333")
    services.customer_phone_change(phone=mobile, by=agent, number="13900004444", kind="work")
    mobile.refresh_from_db()
    assert (mobile.number, mobile.kind, mobile.last4) == ("13900004444", "work", "4444")

    services.customer_phone_remove(phone=home, by=agent)
    customer.refresh_from_db()
    assert customer.phone == "13900004444"
    assert list(customer.phones.values_list("number", "is_primary")) == [("13900004444", True)]
    assert selectors.customer_search(user=agent, query="051988003333").ids == []


def test_phone_services_refuse_bad_numbers_and_other_regions(world, agent):
    customer = factories.customer(world.s1a)
    with pytest.raises(ValidationError) as error:
        services.customer_phone_add(customer=customer, by=agent, number="abc")
    assert error.value.error_dict["number"][0].code == "phone_characters"
    outside = world.c2a.phones.first()
    with pytest.raises(PermissionDenied):
        services.customer_phone_remove(phone=outside, by=agent)
    assert CustomerPhone.objects.filter(pk=outside.pk).exists()


def test_fill_in_adds_phones_and_blank_fields_without_overwriting(world, agent):
    customer = factories.customer(world.s1a, id_number="", compound="")
    services.customer_fill_in(
        customer=customer,
        by=agent,
        data={
            "name": "别的名字",
            "id_number": factories.id_number(seq=5),
            "phones": [{"number": customer.phone}, {"number": "13900005555", "kind": "work"}],
        },
    )
    customer.refresh_from_db()
    assert customer.name != "别的名字"
    assert customer.id_number == factories.id_number(seq=5)
    assert set(customer.phones.values_list("number", flat=True)) == {
        customer.phone,
        "13900005555",
    }


def test_factories_create_customers_through_the_service(world):
    customer = factories.customer(world.s1a, phone="13900006666", phones=[("051988006666", "home")])
    assert list(customer.phones.values_list("number", "kind", "is_primary")) == [
        ("13900006666", "mobile", True),
        ("051988006666", "home", False),
    ]
    assert _entries(customer, "create")


def test_the_admin_form_saves_through_the_service_and_never_lists_every_customer(
    world, admin_user, client
):
    client.force_login(admin_user)
    url = f"/admin/customers/customer/{world.c1a.pk}/change/"
    form = client.get(url).content.decode()
    assert 'name="merged_into"' not in form  # read-only: no <select> of every customer
    with recorded_events() as events:
        response = client.post(
            url,
            {
                "kind": "person",
                "name": "张伟",
                "id_number": world.c1a.id_number,
                "phone": "１３９００００７７７７",
                "region": world.c1a.region_id,
                "district": "",
                "street": "青洋路",
                "compound": "",
                "building": "7幢",
                "unit": "",
                "room": "",
                "address": world.c1a.address,
                "vip_level": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.c1a.refresh_from_db()
    assert (world.c1a.phone, world.c1a.building) == ("13900007777", "7")
    assert world.c1a.phones.get(is_primary=True).number == "13900007777"
    assert [e.name for e in events] == ["customer.updated"]
    entry = _entries(world.c1a)[-1]
    assert entry.actor_id == admin_user.pk and entry.changes["building"][1] == "7"


def test_a_customer_added_in_the_admin_gets_its_phone_row_and_history(world, admin_user, client):
    client.force_login(admin_user)
    response = client.post(
        "/admin/customers/customer/add/",
        {
            "kind": "company",
            "name": "恒通科技有限公司",
            "id_number": "",
            "phone": "0519-8800-4444",
            "region": world.s1a.pk,
            "district": "",
            "street": "",
            "compound": "",
            "building": "",
            "unit": "",
            "room": "",
            "address": "常州市天宁区青洋路88号",
            "vip_level": "0",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="恒通科技有限公司")
    assert customer.street == "青洋路"
    assert list(customer.phones.values_list("number", "is_primary")) == [("051988004444", True)]
    assert _entries(customer, "create")[0].actor_id == admin_user.pk
