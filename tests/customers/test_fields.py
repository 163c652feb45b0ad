"""The customer field schema (customers/fields.py) on its own: normalisation and rules that
every door (page, API, import, model) shares. No database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hotline.customers import fields
from hotline.customers.addresses import compose_address, split_address, strip_region_prefix
from hotline.customers.fields import FieldProblem
from hotline.customers.id_numbers import id_check_character, id_number_problem
from hotline.customers.phones import normalize_phone, phone_clean


def _id(first17: str = "32040219900101123") -> str:
    return first17 + id_check_character(first17)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("１３９１２３４５６７８", "13912345678"),  # full-width digits, as a Chinese IME types them
        ("+86 139-1234-5678", "13912345678"),
        ("（0519）8800－1234", "051988001234"),  # full-width brackets and dash
        ("+86 519 8800 1234", "051988001234"),  # international landline drops its trunk 0
        ("٠٥١٩٨٨٠٠١٢٣٤", "051988001234"),  # Arabic-Indic digits are digits too
        ("95588", "95588"),
        ("400-812-3456", "4008123456"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_phones_are_stored_as_ascii_digits(raw, stored):
    assert fields.PHONE.check(raw) == stored
    assert stored.isascii()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "phone_characters"),
        ("139abc12345", "phone_characters"),
        ("139²2345678", "phone_characters"),  # a superscript is not a digit
        ("88001234", "phone_implausible"),  # a landline needs its area code
        ("1391234567", "phone_implausible"),  # ten digits
        ("12345678901", "phone_implausible"),  # "12" is no mobile prefix
    ],
)
def test_a_phone_that_is_not_one_is_an_error_not_an_empty_number(raw, code):
    with pytest.raises(FieldProblem) as problem:
        fields.PHONE.check(raw)
    assert problem.value.code == code
    with pytest.raises(ValidationError) as error:
        fields.PHONE.clean(raw)
    assert list(error.value.error_dict) == ["phone"]  # the error names the field


def test_search_keeps_reading_phones_leniently():
    assert normalize_phone("tel: 139 1234 5678") == "13912345678"
    assert normalize_phone("１３９") == "139"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3204021990010112²" + "3", "id_characters"),
        ("²" * 18, "id_characters"),
        ("32040219900101123", "id_length"),
        ("320402199013011234", "id_birth_date"),
    ],
)
def test_id_numbers_are_ascii_digits_and_odd_digits_are_an_error_not_a_crash(raw, code):
    with pytest.raises(FieldProblem) as problem:
        fields.ID_NUMBER.check(raw)
    assert problem.value.code == code


def test_full_width_id_numbers_are_converted_and_x_upper_cased():
    number = _id("11010519491231002")
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert fields.ID_NUMBER.check(wide) == number
    if number.endswith("X"):
        assert fields.ID_NUMBER.check(number.lower()) == number


def test_the_check_digit_code_refuses_what_int_cannot_read():
    with pytest.raises(ValueError):
        id_check_character("3204021990010112²")
    assert id_number_problem("3204021990010112²" + "3") == "characters"


@pytest.mark.parametrize(
    ("text", "code", "char"),
    [
        ("张\x0b伟", "control", "U+000B"),
        ("张\n伟", "control", "U+000A"),
        ("evil\u202egnp.exe", "bidi", "U+202E"),
        ("a\u2066b", "bidi", "U+2066"),
        ("a\x85b", "control", "U+0085"),
    ],
)
def test_text_fields_refuse_control_and_direction_characters(text, code, char):
    for field in (fields.NAME, fields.STREET, fields.ADDRESS, fields.PHONE, fields.ID_NUMBER):
        with pytest.raises(FieldProblem) as problem:
            field.check(text)
        assert problem.value.code == code
        assert char in problem.value.message


def test_clean_values_reports_every_field_at_once():
    with pytest.raises(ValidationError) as error:
        fields.clean_values(
            {"name": "", "phone": "abc", "id_number": "²", "vip_level": "12", "room": "x" * 30}
        )
    assert set(error.value.error_dict) == {"name", "phone", "id_number", "vip_level", "room"}
    assert error.value.error_dict["name"][0].code == "required"
    assert error.value.error_dict["room"][0].code == "too_long"


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        (fields.BUILDING, "40幢", "40"),
        (fields.BUILDING, "40栋", "40"),
        (fields.BUILDING, "40号楼", "40"),
        (fields.BUILDING, "第４０幢", "40"),
        (fields.BUILDING, "A座", "A"),
        (fields.UNIT, "3单元", "3"),
        (fields.UNIT, "第三单元", "3"),
        (fields.ROOM, "1203室", "1203"),
        (fields.ROOM, "1203", "1203"),
        (fields.KIND, "单位", "company"),
        (fields.KIND, "", "person"),
        (fields.VIP_LEVEL, "3", 3),
        (fields.VIP_LEVEL, 2, 2),
    ],
)
def test_address_parts_kind_and_vip_are_normalised(field, raw, stored):
    assert field.check(raw) == stored


@pytest.mark.parametrize("raw", ["=cmd|'/Ccalc'!A0", "40;DROP", "1203室<b>", "+1"])
def test_building_unit_and_room_refuse_what_is_no_number_or_short_name(raw):
    for field in (fields.BUILDING, fields.UNIT, fields.ROOM):
        with pytest.raises(fields.FieldProblem) as problem:
            field.check(raw)
        assert problem.value.code == "address_part"


def test_building_unit_and_room_keep_short_names():
    assert fields.BUILDING.check("东楼") == "东"
    assert fields.BUILDING.check("12-1") == "12-1"
    assert fields.ROOM.check("B101") == "B101"
    assert fields.BUILDING.check("3（东）") == "3(东)"  # full-width brackets read as ASCII
    assert fields.ROOM.check("1/2") == "1/2"


def test_a_full_address_is_split_into_the_parts_the_search_matches():
    parts = split_address("江苏省常州市武进区延政中路翠竹苑40幢3单元1203室")
    assert parts.as_dict() == {
        "district": "武进区",
        "street": "延政中路",
        "compound": "翠竹苑",
        "building": "40",
        "unit": "3",
        "room": "1203",
    }
    assert split_address("南大街广化新村3-2-501").as_dict()["room"] == "501"
    assert split_address("荷花池小区5幢").compound == "荷花池小区"  # a 小区 is no district
    assert strip_region_prefix("新区大道88号") == ("新区大道88号", "")


def test_complete_address_splits_a_full_text_and_composes_from_parts():
    split = fields.complete_address({"address": "常州市天宁区青洋路红梅新村12幢3单元1203室"})
    assert (split["street"], split["compound"], split["building"]) == ("青洋路", "红梅新村", "12")
    composed = fields.complete_address(
        {"street": "青洋路", "compound": "红梅新村", "building": "12", "unit": "3", "room": "1"},
        city="常州市",
    )
    assert composed["address"] == "常州市青洋路红梅新村12幢3单元1室"
    assert composed["address"] == compose_address(
        city="常州市", street="青洋路", compound="红梅新村", building="12", unit="3", room="1"
    )


def test_personal_fields_are_masked_unless_unmasked():
    assert fields.PHONE.display("13912345678", unmasked=False) == "139****5678"
    assert fields.PHONE.display("13912345678", unmasked=True) == "13912345678"
    assert fields.NAME.display("张伟", unmasked=False) == "张伟"
    assert set(fields.PERSONAL) == {"phone", "id_number"}


def test_surrounding_whitespace_is_trimmed_not_refused():
    assert fields.NAME.check(" 张伟\r\n") == "张伟"


def test_export_cells_never_carry_control_characters():
    assert fields.export_text("张\x0b伟\u202e") == "张伟"


def test_phone_clean_and_the_schema_agree():
    assert phone_clean("13912345678") == fields.PHONE.check(" 13912345678 ")
