"""Customer search through the selector and the page: every form, ranking, scope, masking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.models import Role
from hotline.customers.models import Device, ServiceAccount
from hotline.customers.selectors import customer_search
from tests import factories


@pytest.fixture
def people(world):
    """Customers with phones, accounts and devices, spread over d1 and d2."""
    zhang = factories.customer(
        world.s1a,
        name="张伟",
        phone="13912345678",
        street="青洋路",
        compound="红梅新村",
        building="12",
        unit="3",
        room="1203",
        address="常州市天宁区青洋路红梅新村12幢3单元1203室",
        phones=[("051988005678", "home")],
    )
    account = ServiceAccount.objects.create(customer=zhang, number="5190000042")
    Device.objects.create(account=account, kind="card", serial="8320000000000042")
    Device.objects.create(account=account, kind="stb", serial="STB00000000042")
    zhang2 = factories.customer(
        world.s1b,
        name="张伟强",
        phone="13700005678",
        street="青洋路",
        building="12",
        compound="翠竹新村",
    )
    far = factories.customer(
        world.s2a,
        name="张伟",
        phone="13600005678",
        street="青洋路",
        building="12",
        compound="红梅新村",
    )
    return {"zhang": zhang, "zhang2": zhang2, "far": far}


def ids(user, text):
    return customer_search(user=user, query=text).ids


@pytest.fixture
def everywhere(world):
    return factories.user(Role.AGENT, regions=[world.city])


def test_full_phone_finds_the_customer_including_secondary_numbers(people, everywhere):
    assert ids(everywhere, "139 1234 5678") == [people["zhang"].pk]
    assert ids(everywhere, "0519-8800-5678") == [people["zhang"].pk]


def test_last_four_digits_find_every_matching_phone(people, everywhere):
    assert set(ids(everywhere, "5678")) == {p.pk for p in people.values()}
    assert set(ids(everywhere, "005678")) == {p.pk for p in people.values()}
    assert ids(everywhere, "345678") == [people["zhang"].pk]


def test_id_number(people, everywhere):
    assert ids(everywhere, people["zhang"].id_number.lower()) == [people["zhang"].pk]


def test_account_card_and_device_numbers(people, everywhere):
    for text in ("5190000042", "8320000000000042", "STB00000000042"):
        assert ids(everywhere, text) == [people["zhang"].pk], text


def test_exact_name_ranks_before_longer_names(people, everywhere):
    from hotline.customers.models import Customer

    exact = sorted(Customer.objects.filter(name="张伟").values_list("pk", flat=True))
    result = customer_search(user=everywhere, query="张伟")
    assert len(exact) == 3  # c1a of the world fixture is a 张伟 too
    assert result.ids[:3] == exact
    assert result.ids[3] == people["zhang2"].pk
    assert result.matched[people["zhang2"].pk] == "name_prefix"


def test_address_fragment(people, everywhere):
    assert set(ids(everywhere, "青洋路 12幢")) == {p.pk for p in people.values()}
    assert set(ids(everywhere, "红梅新村 12幢")) == {people["zhang"].pk, people["far"].pk}
    assert ids(everywhere, "青洋路红梅新村12幢3单元1203室") == [people["zhang"].pk]
    assert set(ids(everywhere, "翠竹")) == {people["zhang2"].pk}


def test_search_is_scoped(people, agent):
    assert set(ids(agent, "5678")) == {people["zhang"].pk, people["zhang2"].pk}
    assert people["far"].pk not in ids(agent, "张伟")
    assert ids(agent, "13600005678") == []


def test_merged_customers_are_not_found(people, everywhere):
    people["far"].merged_into = people["zhang"]
    people["far"].save(update_fields=["merged_into"])
    assert people["far"].pk not in ids(everywhere, "张伟")


def test_limit_truncates_and_says_so(world, everywhere):
    for _ in range(6):
        factories.customer(world.s1a, name="李娜")
    result = customer_search(user=everywhere, query="李娜", limit=5)
    assert len(result.ids) == 5 and result.truncated


def test_search_page_shows_masked_results_and_match_reason(people, everywhere, client):
    client.force_login(everywhere)
    response = client.get(reverse("customers:list"), {"q": "13912345678"})
    html = response.content.decode()
    assert response.status_code == 200
    table = html[html.index('<table class="grid">') :]
    assert "139****5678" in table and "13912345678" not in table
    assert 'data-matched="phone"' in html


def test_search_page_htmx_returns_the_fragment_only(people, everywhere, client):
    client.force_login(everywhere)
    response = client.get(
        reverse("customers:list"), {"q": "张伟"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-customer="' in html


def test_search_page_query_count_is_bounded(
    people, everywhere, client, django_assert_max_num_queries
):
    client.force_login(everywhere)
    with django_assert_max_num_queries(14):
        client.get(reverse("customers:list"), {"q": "张伟"})


def test_phone_search_never_returns_a_merged_away_customer(world, everywhere):
    from hotline.customers.merging import customer_merge

    lead = factories.user(Role.TEAM_LEAD, regions=[world.city])
    first = factories.customer(world.s1a, name="周敏", phone="13811112222")
    second = factories.customer(world.s1b, name="周敏", phone="13811112222")
    assert set(ids(everywhere, "13811112222")) == {first.pk, second.pk}
    customer_merge(survivor=first, duplicate=second, by=lead)
    assert ids(everywhere, "13811112222") == [first.pk]
    assert ids(everywhere, "2222") == [first.pk]


# --- a full address, a landline without its area code, part of a company name ---------------


def test_a_full_address_typed_with_city_and_district_finds_the_customer(people, everywhere):
    for text in (
        "常州市天宁区青洋路红梅新村12幢3单元1203室",
        "江苏省常州市天宁区青洋路红梅新村12幢3单元1203室",
        "常州市 天宁区 青洋路 红梅新村 12幢",
        "天宁区青洋路红梅新村１２幢３单元１２０３室",  # full-width digits
    ):
        assert people["zhang"].pk in ids(everywhere, text), text
    assert ids(everywhere, "常州市天宁区青洋路红梅新村12幢3单元1203室") == [people["zhang"].pk]


def test_a_landline_without_its_area_code_finds_the_customer(people, everywhere, agent):
    assert ids(everywhere, "88005678") == [people["zhang"].pk]
    assert ids(everywhere, "8800-5678") == [people["zhang"].pk]
    result = customer_search(user=everywhere, query="88005678")
    assert result.matched[people["zhang"].pk] == "landline"
    assert ids(everywhere, "88009999") == []
    assert ids(agent, "88005678") == [people["zhang"].pk]  # in scope


@pytest.fixture
def companies(world):
    return {
        "hengtong": factories.customer(world.s1a, name="恒通金科科技有限公司", kind="company"),
        "far": factories.customer(world.s2a, name="龙城金科电子有限公司", kind="company"),
        "person": factories.customer(world.s1a, name="金科"),
    }


def test_a_fragment_from_the_middle_of_a_company_name_finds_it(companies, everywhere, agent):
    assert set(ids(everywhere, "金科科技")) == {companies["hengtong"].pk}
    assert set(ids(everywhere, "有限公司")) == {companies["hengtong"].pk, companies["far"].pk}
    result = customer_search(user=everywhere, query="金科电子")
    assert result.matched == {companies["far"].pk: "name_fragment"}
    assert ids(agent, "金科电子") == []  # another district


def test_a_two_character_fragment_is_looked_for_when_nothing_better_matched(companies, everywhere):
    # "金科" is a person's whole name: that exact match is what the agent gets.
    assert ids(everywhere, "金科") == [companies["person"].pk]
    assert set(ids(everywhere, "通金")) == {companies["hengtong"].pk}


def test_a_renamed_or_deleted_company_leaves_the_fragment_index(companies, everywhere):
    from hotline.customers.services import customer_update

    lead = factories.user(Role.TEAM_LEAD, regions=[companies["hengtong"].region.parent])
    customer_update(customer=companies["hengtong"], by=lead, data={"name": "恒通网络有限公司"})
    assert ids(everywhere, "金科科技") == []
    assert ids(everywhere, "通网络") == [companies["hengtong"].pk]
    customer_update(customer=companies["hengtong"], by=lead, data={"kind": "person"})
    assert ids(everywhere, "通网络") == []


def test_the_fragment_index_comes_back_after_a_migration_rebuilt_the_table(companies, everywhere):
    """SQLite drops a table's triggers with the table (Django rebuilds tables to alter them):
    after every migrate the index is checked, restored and refilled."""
    from django.db import connection

    from hotline.customers.name_index import company_name_index_ensure, ensure_after_migrate

    assert company_name_index_ensure(connection) is False  # all there
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER customer_company_name_insert")
        cursor.execute("DELETE FROM customer_company_name")
    ensure_after_migrate(using="default")
    assert set(ids(everywhere, "有限公司")) == {companies["hengtong"].pk, companies["far"].pk}
    later = factories.customer(companies["far"].region, name="天宁网络有限公司", kind="company")
    assert ids(everywhere, "宁网络") == [later.pk]


def test_a_persons_name_found_exactly_is_not_also_looked_for_in_company_names(
    companies, everywhere, world
):
    person = factories.customer(world.s1a, name="通金科")
    assert ids(everywhere, "通金科") == [person.pk]  # three characters: a person's name
    assert ids(everywhere, "通金科科") == [companies["hengtong"].pk]  # four: part of a name
