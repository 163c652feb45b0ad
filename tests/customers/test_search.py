"""Customer search through the selector and the page: every form, ranking, scope, masking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.models import Role
from hotline.customers.models import CustomerPhone, Device, ServiceAccount
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
    )
    CustomerPhone.objects.create(customer=zhang, number="13912345678", is_primary=True)
    CustomerPhone.objects.create(customer=zhang, number="051988005678", kind="home")
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
    CustomerPhone.objects.create(customer=zhang2, number="13700005678", is_primary=True)
    far = factories.customer(
        world.s2a,
        name="张伟",
        phone="13600005678",
        street="青洋路",
        building="12",
        compound="红梅新村",
    )
    CustomerPhone.objects.create(customer=far, number="13600005678", is_primary=True)
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
    from hotline.customers.services import customer_merge

    lead = factories.user(Role.TEAM_LEAD, regions=[world.city])
    first = factories.customer(world.s1a, name="周敏", phone="13811112222")
    second = factories.customer(world.s1b, name="周敏", phone="13811112222")
    for customer in (first, second):
        CustomerPhone.objects.create(customer=customer, number="13811112222", is_primary=True)
    assert set(ids(everywhere, "13811112222")) == {first.pk, second.pk}
    customer_merge(survivor=first, duplicate=second, by=lead)
    assert ids(everywhere, "13811112222") == [first.pk]
    assert ids(everywhere, "2222") == [first.pk]
