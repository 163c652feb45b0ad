"""Chinese street addresses: the parts Hotline stores and searches, read from what people type.

Plain Python, no database. A customer's address is stored twice: as parts (district, street,
compound, building, unit, room) that the search matches on indexed columns, and as the full
text people read. Building, unit and room are stored as their bare number ("40", not "40幢"),
the way the demo data and the search expect them, whichever way they were written:
"40幢", "40栋", "40号楼", "第3单元", "三单元", "1203室", "12-3-1203".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.customers.phones import ascii_digits

STREET_SUFFIXES = ("大道", "路", "街", "巷", "弄")
COMPOUND_SUFFIXES = (
    "新村",
    "小区",
    "花园",
    "家园",
    "苑",
    "园",
    "村",
    "山庄",
    "府",
    "人家",
    "公馆",
    "湾",
    "名都",
)
_CN_NUMBER = "[零〇一二两三四五六七八九十]+"
_PART = rf"(?:\d+|[A-Za-z]|{_CN_NUMBER})"
BUILDING_RE = re.compile(rf"第?({_PART})\s*(?:幢|栋|号楼|座)")
UNIT_RE = re.compile(rf"第?({_PART})\s*单元")
ROOM_RE = re.compile(r"(\d+)\s*(?:室|房|号房)")
_DASHED = re.compile(r"(\d+)-(\d+)-(\d+)(?:室|号)?$")
_STREET_THEN_REST = re.compile(r"^(.+?(?:大道|路|街|巷|弄))(.*)$")
_HOUSE_NUMBER = re.compile(r"^(\d+)\s*号(?!楼)")
_HAN = r"[\u4e00-\u9fff]"
# Administrative prefixes people type before the street: 江苏省 常州市 武进区 湖塘镇.
_PREFIXES = (
    re.compile(rf"^({_HAN}{{2,6}}?(?:省|自治区))"),
    re.compile(rf"^({_HAN}{{2,6}}?市)"),
    # Not "荷花池小区", "社区", "园区": those are compounds, not districts.
    re.compile(rf"^({_HAN}{{1,6}}?(?<![小社园校景厂营])(?:区|县|旗))"),
    re.compile(rf"^({_HAN}{{1,5}}?(?:镇|乡))"),
)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@dataclass(frozen=True)
class AddressParts:
    district: str = ""
    street: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "district": self.district,
            "street": self.street,
            "compound": self.compound,
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
        }


def chinese_number(text: str) -> str | None:
    """ "三" → "3", "十二" → "12", "二十三" → "23" (1–99); ``None`` if not such a number."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return "".join(str(_CN_DIGITS[c]) for c in text)
    tens, _sep, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return str(value)


def _bare(text: str, pattern: re.Pattern[str]) -> str:
    if text.isascii() and text.isalnum():  # already bare ("12", "A")
        return text
    text = "".join(ascii_digits(text).split())
    if match := pattern.fullmatch(text):
        text = match.group(1)
    text = text.removeprefix("第")
    return chinese_number(text) or text


_BUILDING_ALONE = re.compile(r"第?(.+?)(?:幢|栋|号楼|座|楼|号|#)")
_UNIT_ALONE = re.compile(r"第?(.+?)单元")
_ROOM_ALONE = re.compile(r"(.+?)(?:室|号房|房|号)")


def normalize_building(text: str) -> str:
    """ "40幢" / "40栋" / "40号楼" / "第40幢" / "四十幢" → "40"; "A座" → "A"."""
    return _bare(text, _BUILDING_ALONE)


def normalize_unit(text: str) -> str:
    """ "3单元" / "第三单元" → "3"."""
    return _bare(text, _UNIT_ALONE)


def normalize_room(text: str) -> str:
    """ "1203室" / "1203房" / "1203号" → "1203"."""
    return _bare(text, _ROOM_ALONE)


def _bare_suffix(text: str) -> bool:
    """Whether ``text`` starts with a street or compound suffix standing alone ("大道88号",
    "花园5幢"): then what came before was part of the name, not a region."""
    for suffix in STREET_SUFFIXES + COMPOUND_SUFFIXES:
        if text.startswith(suffix):
            after = text[len(suffix) :]
            return not after or after[0].isdigit() or after[0] in "第#-"
    return False


def strip_region_prefix(text: str) -> tuple[str, str]:
    """``(rest, district)``: "常州市武进区延政中路…" → ("延政中路…", "武进区").

    A prefix is only taken off when what remains is not a bare street or compound suffix,
    so "新区大道88号" or "城市花园5幢" stay whole while "武进区花园街" loses "武进区".
    """
    district = ""
    city_seen = False
    province, city, county, town = _PREFIXES
    # A county-level city follows its city: 常州市溧阳市 (the second is the district).
    for pattern in (province, city, city, county, town):
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end() :]
        if not rest or _bare_suffix(rest):
            continue
        if pattern is county or (pattern is city and city_seen):
            district = match.group(1)
        city_seen = city_seen or pattern is city
        text = rest
    return text, district


def split_address(text: str) -> AddressParts:
    """The parts of a full address typed as one text (empty parts where none were found)."""
    text = "".join(ascii_digits(text or "").split()).strip("，,。")
    if not text:
        return AddressParts()
    text, district = strip_region_prefix(text)
    building = unit = room = ""
    if match := _DASHED.search(text):
        building, unit, room = match.groups()
        text = text[: match.start()]
    else:
        if match := ROOM_RE.search(text):
            room = match.group(1)
            text = text[: match.start()] + text[match.end() :]
        if match := UNIT_RE.search(text):
            unit = chinese_number(match.group(1)) or match.group(1)
            tail = text[match.end() :]
            text = text[: match.start()]
            if not room and tail.isdigit():
                room = tail
        if match := BUILDING_RE.search(text):
            building = chinese_number(match.group(1)) or match.group(1)
            text = text[: match.start()] + text[match.end() :]
    street = compound = ""
    if split := _STREET_THEN_REST.match(text):
        street, text = split.group(1), split.group(2)
    if match := _HOUSE_NUMBER.match(text):
        text = text[match.end() :]
    compound = text if len(text) >= 2 else ""
    return AddressParts(district, street, compound, building, unit, room)


def compose_address(
    *,
    city: str = "",
    district: str = "",
    street: str = "",
    compound: str = "",
    building: str = "",
    unit: str = "",
    room: str = "",
) -> str:
    """The full address as people write it: 常州市武进区延政中路翠竹苑12幢3单元1203室."""
    return "".join(
        (
            city,
            district,
            street,
            compound,
            f"{building}幢" if building else "",
            f"{unit}单元" if unit else "",
            f"{room}室" if room else "",
        )
    )
