"""Agents create customers from the search page and edit them inline on the customer page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import AuditEntry, Role
from hotline.customers.models import Customer, CustomerPhone, ServiceAccount
from hotline.customers.selectors import customer_search
from hotline.events import recorded_events
from tests import factories

NEW = reverse("customers:new")
HX = {"HTTP_HX_REQUEST": "true"}


def _section(customer: Customer, name: str) -> str:
    return reverse("customers:section", args=[customer.pk, name])


def _new_customer(**overrides: str) -> dict[str, str]:
    data = {
        "name": "孙悟空",
        "kind": "person",
        "id_number": factories.id_number(seq=901),
        "region": "",
        "street": "青洋路",
        "compound": "红梅新村",
        "building": "40幢",
        "unit": "3单元",
        "room": "1203室",
        "address": "",
        "accounts": "5190012345",
        "phones-TOTAL_FORMS": "3",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "6",
        "phones-0-number": "13977778888",
        "phones-0-kind": "mobile",
        "phones-1-number": "0519 8877 8888",
        "phones-1-kind": "home",
        "phones-2-number": "",
        "phones-2-kind": "mobile",
        "action": "create",
    }
    data.update(overrides)
    return data


# --- creating -----------------------------------------------------------------------------


def test_search_without_result_offers_a_new_customer_with_the_searched_phone(world, agent, login):
    client = login(agent)
    page = client.get(reverse("customers:list"), {"q": "139 0000 4321"}).content.decode()
    assert "data-new-from-search" in page
    link = re.search(r'href="([^"]+)" data-new-from-search', page).group(1)
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="13900004321"' in form  # the searched phone, normalised, in the first row


def test_the_region_tree_offers_only_the_users_regions(world, agent, login):
    page = login(agent).get(NEW).content.decode()
    offered = set(re.findall(r'<option value="(\d+)"', page))
    assert offered == {str(r.pk) for r in (world.d1, world.s1a, world.s1b)}


def test_agent_creates_a_customer_found_at_once_by_phone_id_and_address(world, agent, login):
    client = login(agent)
    with recorded_events() as events:
        response = client.post(NEW, _new_customer(region=str(world.s1a.pk)))
    assert response.status_code == 302
    customer = Customer.objects.get(name="孙悟空")
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert (customer.building, customer.unit, customer.room) == ("40", "3", "1203")
    assert set(customer.phones.values_list("number", "kind")) == {
        ("13977778888", "mobile"),
        ("051988778888", "home"),
    }
    assert ServiceAccount.objects.filter(customer=customer, number="5190012345").exists()
    assert [e.name for e in events] == ["customer.created"]
    for text in ("13977778888", "88778888", customer.id_number, "红梅新村40幢3单元1203室"):
        assert customer_search(user=agent, query=text).ids == [customer.pk], text


def test_bad_input_is_shown_under_its_field_and_nothing_is_saved(world, agent, login):
    page = login(agent).post(
        NEW,
        _new_customer(region=str(world.s1a.pk), name="坏\x0b名字", **{"phones-0-number": "abc"}),
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-error="name"' in html and "U+000B" in html
    assert 'data-error="number"' in html
    assert not Customer.objects.filter(name__startswith="坏").exists()


def test_a_region_outside_the_users_scope_is_refused(world, agent, login):
    page = login(agent).post(NEW, _new_customer(region=str(world.s2a.pk)))
    assert page.status_code == 200 and 'data-error="region"' in page.content.decode()
    assert not Customer.objects.filter(name="孙悟空").exists()


def test_duplicates_are_shown_before_saving_then_create_anyway(world, agent, login):
    client = login(agent)
    data = _new_customer(region=str(world.s1a.pk), **{"phones-0-number": world.c1a.phone})
    page = client.post(NEW, data).content.decode()
    assert f'data-duplicate="{world.c1a.pk}"' in page
    assert f'data-duplicate="{world.c2a.pk}"' not in page
    panel = page[page.index("data-duplicates") : page.index("</section>")]
    assert world.c1a.phone not in panel and world.c1a.phone[-4:] in panel  # masked
    assert not Customer.objects.filter(name="孙悟空").exists()

    client.post(NEW, {**data, "action": "create_anyway"})
    assert Customer.objects.filter(name="孙悟空").count() == 1


def test_same_id_number_is_a_duplicate_and_merge_adds_the_details_to_it(world, agent, login):
    client = login(agent)
    data = _new_customer(region=str(world.s1a.pk), id_number=world.c1a.id_number)
    assert f'data-duplicate="{world.c1a.pk}"' in client.post(NEW, data).content.decode()
    response = client.post(NEW, {**data, "action": f"fill_in:{world.c1a.pk}"})
    assert response["Location"] == reverse("customers:detail", args=[world.c1a.pk])
    assert not Customer.objects.filter(name="孙悟空").exists()
    numbers = set(world.c1a.phones.values_list("number", flat=True))
    assert {"13977778888", "051988778888"} <= numbers


def test_roles_that_may_not_create_get_403(world, login):
    inspector = factories.user(Role.QA_INSPECTOR)
    assert login(inspector).get(NEW).status_code == 403


# --- editing inline -----------------------------------------------------------------------


def test_the_address_is_edited_inline_and_audited_before_to_after(world, agent, login):
    client = login(agent)
    customer = world.c1a
    form = client.get(_section(customer, "address"), {"edit": "1"}, **HX).content.decode()
    assert 'id="section-address"' in form and "key-escape from:closest form" in form
    with recorded_events() as events:
        response = client.post(
            _section(customer, "address"),
            {
                "region": str(customer.region_id),
                "street": "延政中路",
                "compound": "翠竹苑",
                "building": "12幢",
                "unit": "3",
                "room": "1203",
                "address": customer.address,
            },
            **HX,
        )
    html = response.content.decode()
    assert 'data-field="street">延政中路' in html and "autofocus" in html
    customer.refresh_from_db()
    assert (customer.street, customer.building) == ("延政中路", "12")
    entry = AuditEntry.objects.filter(
        model="customers.customer", object_id=str(customer.pk), action="update"
    ).latest("id")
    assert entry.actor_id == agent.pk and entry.changes["street"][1] == "延政中路"
    assert events[0].name == "customer.updated"
    assert customer_search(user=agent, query="延政中路翠竹苑12幢3单元1203室").ids == [customer.pk]


def test_cancel_returns_the_section_unchanged(world, agent, login):
    html = login(agent).get(_section(world.c1a, "contact"), **HX).content.decode()
    assert 'data-field="name">张伟' in html and 'data-edit="contact"' in html


def test_contact_edit_keeps_a_masked_id_number_when_left_blank(world, agent, login):
    client = login(agent)
    form = client.get(_section(world.c1a, "contact"), {"edit": "1"}, **HX).content.decode()
    assert world.c1a.id_number not in form  # an agent may not unmask it
    client.post(
        _section(world.c1a, "contact"),
        {"name": "张伟华", "kind": "person", "id_number": ""},
        **HX,
    )
    world.c1a.refresh_from_db()
    assert world.c1a.name == "张伟华" and world.c1a.id_number


def test_phones_are_added_edited_made_primary_and_removed_inline(world, agent, login):
    client = login(agent)
    customer = world.c1a
    add = reverse("customers:phone_add", args=[customer.pk])
    html = client.post(add, {"new-number": "abc", "new-kind": "home"}, **HX).content.decode()
    assert 'data-error="number"' in html
    client.post(add, {"new-number": "0519-8800-7777", "new-kind": "home"}, **HX)
    home = customer.phones.get(number="051988007777")
    edit = reverse("customers:phone_edit", args=[customer.pk, home.pk])
    assert "data-editing" in client.get(edit, **HX).content.decode()
    client.post(edit, {f"p{home.pk}-number": "", f"p{home.pk}-kind": "work"}, **HX)
    home.refresh_from_db()
    assert (home.number, home.kind) == ("051988007777", "work")  # blank number kept it
    client.post(reverse("customers:phone_primary", args=[customer.pk, home.pk]), **HX)
    customer.refresh_from_db()
    assert customer.phone == "051988007777"
    client.post(reverse("customers:phone_remove", args=[customer.pk, home.pk]), **HX)
    customer.refresh_from_db()
    assert not CustomerPhone.objects.filter(pk=home.pk).exists()
    assert customer.phone == customer.phones.get().number


def test_other_regions_are_404_and_read_only_roles_403(world, agent, login):
    client = login(agent)
    assert client.get(_section(world.c2a, "address"), {"edit": "1"}).status_code == 404
    phone = world.c2a.phones.first()
    remove = reverse("customers:phone_remove", args=[world.c2a.pk, phone.pk])
    assert client.post(remove).status_code == 404
    inspector = login(factories.user(Role.QA_INSPECTOR))
    assert inspector.get(_section(world.c1a, "address"), {"edit": "1"}).status_code == 403
    page = inspector.get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    assert "data-edit=" not in page and "data-add-phone" not in page


def test_the_customer_page_subscribes_to_its_push_topic(world, agent, login):
    page = login(agent).get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    assert f'data-push-topic="customer.{world.c1a.pk}"' in page
    assert f'data-push-me="{agent.username}"' in page


# --- what the page shows ------------------------------------------------------------------


def test_a_negative_balance_shows_as_arrears_not_as_normal(world, agent, login):
    ServiceAccount.objects.create(
        customer=world.c1a, number="5190000047", balance=Decimal("-47.21")
    )
    page = login(agent).get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    status = re.search(r'<dd data-field="status">(.*?)</dd>', page, re.S).group(1)
    assert "data-arrears" in status and "正常" not in status
    assert re.search(r'<dd data-field="balance" class="arrears">-¥47.21</dd>', page)


def test_stacked_tables_keep_their_column_labels(world, agent, login):
    import datetime

    account = ServiceAccount.objects.create(customer=world.c1a, number="5190000048")
    account.subscriptions.create(
        product_code="HD", product_name="高清基本包", starts_on=datetime.date(2024, 1, 1)
    )
    page = login(agent).get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    cells = re.findall(r"<td( [^>]*)?>", page)
    unlabelled = [
        attrs for attrs in cells if not re.search(r"data-label|colspan|actions", attrs or "")
    ]
    assert cells and unlabelled == []


def test_the_customer_page_costs_the_same_queries_with_more_phones(world, agent, login):
    client = login(agent)
    url = reverse("customers:detail", args=[world.c1a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(5):
        CustomerPhone.objects.create(customer=world.c1a, number=f"1390000100{index}", kind="work")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", [Role.AGENT, Role.TEAM_LEAD])
def test_agents_and_team_leads_may_add_and_change_customers(world, role):
    person = factories.user(role, regions=[world.d1])
    assert person.has_perm("customers.add_customer")
    assert person.has_perm("customers.change_customer")


def test_a_new_customer_takes_at_most_ten_phones_from_the_page(world, agent, login):
    client = login(agent)
    rows = {"phones-TOTAL_FORMS": "11"}
    for index in range(11):
        rows[f"phones-{index}-number"] = f"137{index:08d}"
        rows[f"phones-{index}-kind"] = "mobile"
    data = _new_customer(region=str(world.s1a.pk), **rows)
    page = client.post(NEW, data)
    assert page.status_code == 200
    assert "最多 10 个号码" in page.content.decode()
    assert not Customer.objects.filter(name="孙悟空").exists()
    assert not CustomerPhone.objects.filter(number__startswith="1370000").exists()


def test_a_customer_with_ten_phones_takes_no_eleventh(world, agent, login):
    from hotline.customers.services import customer_phone_add

    customer = world.c1a
    for index in range(10 - customer.phones.count()):
        customer_phone_add(customer=customer, by=agent, number=f"137{index:08d}")
    client = login(agent)
    add = reverse("customers:phone_add", args=[customer.pk])
    html = client.post(add, {"new-number": "13912340000", "new-kind": "home"}, **HX)
    assert 'data-error="number"' in html.content.decode()
    assert "10" in html.content.decode()
    assert customer.phones.count() == 10
