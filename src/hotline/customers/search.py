"""Understanding what an agent typed into the customer search box.

Plain Python, no database: ``parse_query`` turns the text into a ``ParsedQuery`` that says
which lookups to try (phone, last digits, ID-card number, account or card number, name,
address parts). The selector runs them in rank order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.customers.addresses import (
    BUILDING_RE,
    COMPOUND_SUFFIXES,
    ROOM_RE,
    STREET_SUFFIXES,
    UNIT_RE,
    chinese_number,
    strip_region_prefix,
)
from hotline.customers.phones import ascii_digits, normalize_phone

# Control characters are never part of what anyone searches for (and PostgreSQL refuses NUL
# in text): they separate words like spaces do.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STREET_THEN_REST = re.compile(r"^(.+?(?:大道|路|街|巷|弄))(.+)$")
_ADDRESS_MARKERS = re.compile(
    r"幢|栋|号楼|单元|室|大道|路|街|巷|弄|新村|小区|花园|家园|苑|村|山庄|公馆"
)
# "常州市 武进区 延政中路": administrative words typed apart belong to what follows.
_ADMIN_SPACE = re.compile(r"(?<=[省市区县旗镇乡])\s+")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
_SERIAL = re.compile(r"^[A-Za-z]{2,5}\d{6,}$")


@dataclass(frozen=True)
class AddressQuery:
    streets: tuple[str, ...] = ()
    compounds: tuple[str, ...] = ()
    either: tuple[str, ...] = ()  # text that may be a street or a compound (prefix)
    building: str = ""
    unit: str = ""
    room: str = ""

    @property
    def empty(self) -> bool:
        return not (self.streets or self.compounds or self.either or self.building)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    id_number: str = ""
    phone: str = ""
    phone_suffix: str = ""
    # 7–8 digits not starting with 0 or 1: a landline typed without its area code.
    landline: str = ""
    account_or_card: str = ""
    serial: str = ""
    name: str = ""
    address: AddressQuery = field(default_factory=AddressQuery)

    @property
    def kinds(self) -> list[str]:
        return [
            kind
            for kind, value in (
                ("id_number", self.id_number),
                ("phone", self.phone),
                ("landline", self.landline),
                ("account_or_card", self.account_or_card),
                ("serial", self.serial),
                ("phone_suffix", self.phone_suffix),
                ("name", self.name),
                ("address", not self.address.empty),
            )
            if value
        ]


def _address(text: str) -> AddressQuery:
    text, _district = strip_region_prefix(_ADMIN_SPACE.sub("", text))
    building = unit = room = ""
    if match := BUILDING_RE.search(text):
        building = chinese_number(match.group(1)) or match.group(1)
        text = text.replace(match.group(0), " ")
    if match := UNIT_RE.search(text):
        unit = chinese_number(match.group(1)) or match.group(1)
        text = text.replace(match.group(0), " ")
    if match := ROOM_RE.search(text):
        room = match.group(1)
        text = text.replace(match.group(0), " ")
    streets: list[str] = []
    compounds: list[str] = []
    either: list[str] = []
    for chunk in text.split():
        chunk = chunk.strip("，,。")
        if not chunk or chunk.isdigit():
            continue
        if split := _STREET_THEN_REST.match(chunk):
            streets.append(split.group(1))
            chunk = split.group(2)
        elif chunk.endswith(STREET_SUFFIXES):
            streets.append(chunk)
            continue
        if chunk.endswith(COMPOUND_SUFFIXES):
            compounds.append(chunk)
        elif chunk:
            either.append(chunk)
    return AddressQuery(tuple(streets), tuple(compounds), tuple(either), building, unit, room)


def parse_query(text: str) -> ParsedQuery:
    """Decide what ``text`` may be. Digits are phones, IDs or account/card numbers; Chinese
    text is a name, an address fragment, or both when it is ambiguous."""
    text = " ".join(ascii_digits(_CONTROL.sub(" ", text or "")).split())
    if not text:
        return ParsedQuery(text="")
    compact = text.replace(" ", "").replace("-", "")
    if _ID_NUMBER.match(compact):
        return ParsedQuery(text=text, id_number=compact.upper(), account_or_card=compact)
    digits = normalize_phone(compact)
    if compact.lstrip("+").isdigit():
        if len(digits) <= 6:
            return (
                ParsedQuery(text=text, phone_suffix=digits)
                if len(digits) >= 4
                else ParsedQuery(text)
            )
        landline = digits if len(digits) in (7, 8) and digits[0] not in "01" else ""
        return ParsedQuery(
            text=text, phone=digits, landline=landline, account_or_card=compact.lstrip("+")
        )
    if _SERIAL.match(compact):
        return ParsedQuery(text=text, serial=compact.upper())
    looks_like_address = bool(_ADDRESS_MARKERS.search(text)) or " " in text
    name = (
        text
        if (2 <= len(text) <= 20 and " " not in text and not any(c.isdigit() for c in text))
        else ""
    )
    # A bare Chinese word may be a name or the start of a street or compound ("翠竹").
    address = _address(text) if looks_like_address else AddressQuery(either=(text,) if name else ())
    if address.empty and not name:
        name = text.replace(" ", "")[:100]
    return ParsedQuery(text=text, name=name, address=address)
