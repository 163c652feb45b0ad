"""The customer field schema holds on the API: the same rules as the page and the import."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission

from hotline.accounts.models import Role
from hotline.customers.models import Customer
from tests import factories
from tests.integrations.conftest import bearer

CUSTOMERS = "/api/v1/customers/"


@pytest.fixture
def writer(world):
    person = factories.user(Role.AGENT, regions=[world.d1], username="api_writer")
    person.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["add_customer", "change_customer"]
        )
    )
    return person


def _post(client, token, data, url=CUSTOMERS, method="post"):
    return getattr(client, method)(
        url, json.dumps(data), content_type="application/json", **bearer(token)
    )


# --------------------------------------------------------------------------------


def test_api_refuses_a_phone_that_is_not_one_naming_the_field(client, world, writer, issue_token):
    token = issue_token(writer, ["customers:read", "customers:write"])
    response = _post(client, token, {"name": "甲", "region": "s1a", "phone": "abc"})
    assert response.status_code == 400
    problem = response.json()["error"]["fields"]["phone"][0]
    assert problem["code"] == "phone_characters"
    assert not Customer.objects.filter(name="甲").exists()


def test_api_stores_full_width_phones_as_ascii_with_typed_phones(
    client, world, writer, issue_token
):
    token = issue_token(writer, ["customers:read", "customers:write"])
    response = _post(
        client,
        token,
        {
            "name": "乙",
            "region": "s1a",
            "phone": "１３９００００８８８８",
            "phones": [{"number": "0519 8800 8888", "kind": "home"}],
            "building": "40幢",
        },
    )
    assert response.status_code == 201, response.json()
    customer = Customer.objects.get(name="乙")
    assert customer.phone == "13900008888" and customer.building == "40"
    kinds = dict(customer.phones.values_list("number", "kind"))
    assert kinds == {"13900008888": "mobile", "051988008888": "home"}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "张\x0b伟", "control"),
        ("street", "路\u202e", "bidi"),
        ("id_number", "3204021990010112²3", "id_characters"),
        ("id_number", "²²²²²²²²²²²²²²²²²²", "id_characters"),
    ],
)
def test_api_answers_bad_text_with_400_naming_the_field_never_500(
    client, world, writer, issue_token, field, value, code
):
    token = issue_token(writer, ["customers:read", "customers:write"])
    data = {"name": "丙", "region": "s1a", field: value}
    response = _post(client, token, data)
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code
    patch = _post(client, token, {field: value}, f"{CUSTOMERS}{world.c1a.pk}/", "patch")
    assert patch.status_code == 400


def _mobiles(count: int) -> list[dict[str, str]]:
    return [{"number": f"137{index:08d}", "kind": "mobile"} for index in range(count)]


def test_api_takes_at_most_ten_phones_for_a_new_customer_and_writes_nothing_beyond(
    client, world, writer, issue_token
):
    from hotline.customers.models import CustomerPhone

    token = issue_token(writer, ["customers:read", "customers:write"])
    too_many = _post(client, token, {"name": "丙", "region": "s1a", "phones": _mobiles(11)})
    assert too_many.status_code == 400
    [problem] = too_many.json()["error"]["fields"]["phones"]
    assert problem["code"] == "too_many" and "10" in problem["message"]
    # Ten listed plus another primary number is eleven too.
    eleven = _post(
        client,
        token,
        {"name": "丙", "region": "s1a", "phone": "13800138000", "phones": _mobiles(10)},
    )
    assert eleven.status_code == 400
    assert eleven.json()["error"]["fields"]["phones"][0]["code"] == "too_many"
    assert not Customer.objects.filter(name="丙").exists()
    assert not CustomerPhone.objects.filter(number__startswith="1370000").exists()

    ten = _post(client, token, {"name": "丙", "region": "s1a", "phones": _mobiles(10)})
    assert ten.status_code == 201, ten.json()
    assert Customer.objects.get(name="丙").phones.count() == 10
