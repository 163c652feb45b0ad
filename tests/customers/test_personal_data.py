from __future__ import annotations

import pytest

from hotline.audit.masking import mask_id_number, mask_phone
from hotline.customers.id_numbers import id_check_character, id_number_problem, is_valid_id_number
from hotline.customers.phones import normalize_phone


def test_masks_follow_the_house_format():
    assert mask_id_number("320402199001011234") == "3204**********1234"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("051988001234") == "051*****1234"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 139-1234-5678", "13912345678"),
        ("008613912345678", "13912345678"),
        ("(0519) 8800 1234", "051988001234"),
        ("139 1234 5678", "13912345678"),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected


def test_id_check_character_known_value():
    # The example number from GB 11643-1999.
    assert id_check_character("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100AX", "characters"),
        ("110105194913310021", "birth_date"),
        ("110105194912310021", "check_digit"),
    ],
)
def test_id_number_problems_are_named(value, problem):
    assert id_number_problem(value) == problem


@pytest.mark.django_db
def test_customer_validation_names_the_field(world):
    from django.core.exceptions import ValidationError

    world.c1a.id_number = "110105194912310021"
    with pytest.raises(ValidationError) as error:
        world.c1a.full_clean()
    assert "id_number" in error.value.message_dict
