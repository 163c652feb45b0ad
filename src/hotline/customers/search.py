"""Understanding what an agent typed into the customer search box.

Plain Python, no database: ``parse_query`` turns the text into a ``ParsedQuery`` that says
which lookups to try (phone, last digits, ID-card number, account or card number, name,
address parts). The selector runs them in rank order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.customers.phones import normalize_phone

_BUILDING = re.compile(r"(\d+)\s*(?:幢|栋|号楼|座)")
_UNIT = re.compile(r"(\d+)\s*单元")
_ROOM = re.compile(r"(\d+)\s*(?:室|房)")
_STREET_THEN_REST = re.compile(r"^(.+?(?:大道|路|街|巷|弄))(.+)$")
_STREET_SUFFIX = ("大道", "路", "街", "巷", "弄")
_COMPOUND_SUFFIX = (
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
_ADDRESS_MARKERS = re.compile(
    r"幢|栋|号楼|单元|室|大道|路|街|巷|弄|新村|小区|花园|家园|苑|村|山庄|公馆"
)
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
                ("account_or_card", self.account_or_card),
                ("serial", self.serial),
                ("phone_suffix", self.phone_suffix),
                ("name", self.name),
                ("address", not self.address.empty),
            )
            if value
        ]


def _address(text: str) -> AddressQuery:
    building = unit = room = ""
    if match := _BUILDING.search(text):
        building = match.group(1)
        text = text.replace(match.group(0), " ")
    if match := _UNIT.search(text):
        unit = match.group(1)
        text = text.replace(match.group(0), " ")
    if match := _ROOM.search(text):
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
        elif chunk.endswith(_STREET_SUFFIX):
            streets.append(chunk)
            continue
        if chunk.endswith(_COMPOUND_SUFFIX):
            compounds.append(chunk)
        elif chunk:
            either.append(chunk)
    return AddressQuery(tuple(streets), tuple(compounds), tuple(either), building, unit, room)


def parse_query(text: str) -> ParsedQuery:
    """Decide what ``text`` may be. Digits are phones, IDs or account/card numbers; Chinese
    text is a name, an address fragment, or both when it is ambiguous."""
    text = " ".join((text or "").split())
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
        return ParsedQuery(text=text, phone=digits, account_or_card=compact.lstrip("+"))
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
