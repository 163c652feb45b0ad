"""Ids read from browsers: only ASCII digits of a value the database's integer holds."""

from __future__ import annotations

import pytest

from hotline.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 42 ", 42),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 30, None),
        ("0", None),
        ("-1", None),
        ("²", None),  # str.isdigit() says yes, int() fails
        ("١٢", None),  # Arabic-Indic digits: int() reads them, nobody typed them as an id
        ("1.5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
