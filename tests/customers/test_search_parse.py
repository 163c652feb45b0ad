"""What the search box understands (no database)."""

from __future__ import annotations

from hotline.customers.search import parse_query


def test_full_mobile_is_a_phone_and_maybe_an_account():
    parsed = parse_query("139-1234-5678")
    assert parsed.phone == "13912345678"
    assert parsed.kinds[0] == "phone"


def test_four_digits_are_the_end_of_a_phone():
    assert parse_query("5678").kinds == ["phone_suffix"]
    assert parse_query("345678").phone_suffix == "345678"
    assert parse_query("12").kinds == []


def test_id_number_with_x():
    parsed = parse_query("11010519491231002x")
    assert parsed.id_number == "11010519491231002X"


def test_device_serial():
    assert parse_query("stb00000000042").serial == "STB00000000042"


def test_chinese_word_is_a_name_first():
    parsed = parse_query("王芳")
    assert parsed.kinds == ["name", "address"]  # names rank first; "王芳" may start a street
    assert parsed.address.either == ("王芳",)


def test_street_and_building():
    address = parse_query("青洋路 12幢").address
    assert address.streets == ("青洋路",)
    assert address.building == "12"


def test_full_address_fragment_is_split_into_parts():
    address = parse_query("青洋路红梅新村12幢3单元1203室").address
    assert address.streets == ("青洋路",)
    assert address.compounds == ("红梅新村",)
    assert (address.building, address.unit, address.room) == ("12", "3", "1203")


def test_compound_alone_is_both_a_possible_name_and_an_address():
    parsed = parse_query("红梅新村")
    assert "address" in parsed.kinds and "name" in parsed.kinds


def test_unmarked_fragment_may_be_street_or_compound():
    address = parse_query("红梅 5幢").address
    assert address.either == ("红梅",)
