"""One declaration per customer field: label, normalisation, validation, masking, export.

Every door a customer comes in by reads this module: the model's ``clean``, the page's forms,
the API serializers, the importer's row checks, the export and the demo builder. A rule
changed here changes everywhere, so the API can no longer accept what the importer refuses.

Plain Python apart from Django's translation and ``ValidationError``; no database.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.audit.masking import mask_id_number, mask_phone
from hotline.customers import addresses
from hotline.customers.id_numbers import id_number_normalize, id_number_problem
from hotline.customers.phones import PhoneError, phone_clean

# C0 controls, DEL and C1 controls: invisible, and Excel files cannot hold most of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates: they make text display as something
# other than what is stored ("Trojan Source").
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Either of them: one search per value (or per row, in the importer) in the common case.
UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MESSAGES: dict[str, Promise] = {
    "required": _("This field is required."),
    "too_long": _("Too long: at most %(max)d characters."),
    "control": _(
        "Contains an invisible control character (%(char)s); remove it and type the text again."
    ),
    "bidi": _(
        "Contains an invisible text-direction character (%(char)s) that makes the text display "
        "differently from what is stored; remove it."
    ),
    "phone_characters": _(
        "A phone number has digits only (spaces, dashes, brackets and a leading + are allowed)."
    ),
    "phone_implausible": _(
        "Not a plausible phone number: expected an 11-digit mobile number, a landline with its "
        "area code, or a service number (95xxx, 400, 800)."
    ),
    "id_length": _("An ID-card number has 18 characters."),
    "id_characters": _("An ID-card number is 17 digits followed by a digit or X."),
    "id_birth_date": _("The birth date inside the ID-card number is not a real date."),
    "id_check_digit": _("The check digit of the ID-card number is wrong."),
    "not_text": _("Expected text."),
    "kind": _("Unknown kind: use 个人 (person) or 单位 (company)."),
    "vip_level": _("The VIP level is a whole number from 0 to 9."),
    "too_many_phones": _("Phones: at most %(max)d numbers per customer."),
    "address_part": _(
        "Use the number or short name only: letters, digits, Chinese characters, brackets and "
        "- / . · (such as 40, A, 12-1 or 3(东))."
    ),
}

# A customer's phone numbers, all doors together (form, API, adding one, filling in): a
# caller is found by any of them, and a list without end is a probe, not a household.
MAX_PHONES = 10


def too_many_phones() -> str:
    return MESSAGES["too_many_phones"] % {"max": MAX_PHONES}


class FieldProblem(ValueError):
    """Why a value does not fit a field: a stable ``code`` and a translated ``message``."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def reason(self) -> str | Promise:
        """The message, still lazy when it has no parameters (translated when shown)."""
        text = MESSAGES[self.code]
        return text % self.params if self.params else text

    @property
    def message(self) -> str:
        return str(self.reason)


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X}"


_LINE_BREAKS = str.maketrans("", "", "\t\n\r")


def text_problem(value: str, *, multiline: bool = False) -> FieldProblem | None:
    """A control or bidirectional-override character in ``value``, as a problem; with
    ``multiline`` tabs and line breaks are text (notes, descriptions)."""
    if multiline:
        value = value.translate(_LINE_BREAKS)
    match = UNSAFE_TEXT.search(value)
    if match is None:
        return None
    char = match.group()
    return FieldProblem("bidi" if _BIDI.match(char) else "control", char=_char_name(char))


def export_text(value: str) -> str:
    """Text safe to write into a spreadsheet cell, even from a row stored before the checks."""
    return UNSAFE_TEXT.sub("", value) if value else value


# --- normalisers: checked, stripped text → stored value, or FieldProblem ---------------------


def _as_text(value: Any) -> str:
    """Text from what a client sent: ``None`` is blank, a number is its digits."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldProblem("not_text")
    return str(value)


def _phone(text: str) -> str:
    try:
        return phone_clean(text)
    except PhoneError as error:
        raise FieldProblem(f"phone_{error.code}") from None


def _id_number(text: str) -> str:
    text = id_number_normalize(text)
    if text and (problem := id_number_problem(text)):
        raise FieldProblem(f"id_{problem}")
    return text


KIND_ALIASES = {
    "": "person",
    "person": "person",
    "个人": "person",
    "居民": "person",
    "个人用户": "person",
    "company": "company",
    "单位": "company",
    "企业": "company",
    "公司": "company",
    "集团": "company",
    "单位用户": "company",
}


@functools.cache
def _kind_names() -> dict[str, str]:
    """Every way a kind may be written: codes, aliases, and its label in each language."""
    from django.utils import translation

    from hotline.customers.models import Customer

    names = dict(KIND_ALIASES)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in Customer.Kind.choices:
                names.setdefault(str(label).lower(), code)
    return names


def _kind(text: str) -> str:
    text = text.lower()
    kind = KIND_ALIASES.get(text) or _kind_names().get(text)
    if kind is None:
        raise FieldProblem("kind")
    return kind


def _vip_level(text: str) -> int:
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or int(text) > 9:
        raise FieldProblem("vip_level")
    return int(text)


# --- the declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerField:
    """One customer field as every path sees it."""

    name: str
    label: Promise
    # Stripped text without control characters → the stored value (``None``: the text).
    normalize: Callable[[str], Any] | None = None
    max_length: int = 0
    required: bool = False
    mask: Callable[[str], str] | None = None
    widget_attrs: Mapping[str, str] | None = None

    @property
    def personal(self) -> bool:
        """Personal data: masked unless the reader's role may unmask it."""
        return self.mask is not None

    def check(self, value: Any, *, text_checked: bool = False) -> Any:
        """The stored form of ``value``, or ``FieldProblem`` saying why it cannot be.

        ``text_checked``: the caller already searched ``value`` for control characters
        (the importer does that once per row).
        """
        if type(value) is not str:
            value = _as_text(value)
            text_checked = False
        cleaned = value.strip()  # a pasted trailing newline is no reason to refuse a name
        if not text_checked and (problem := text_problem(cleaned)):
            raise problem
        if self.normalize is not None:
            cleaned = self.normalize(cleaned)
        if self.required and (cleaned == "" or cleaned is None):
            raise FieldProblem("required")
        if self.max_length and type(cleaned) is str and len(cleaned) > self.max_length:
            raise FieldProblem("too_long", max=self.max_length)
        return cleaned

    def clean(self, value: Any) -> Any:
        """``check`` with Django's ``ValidationError`` keyed by the field's name."""
        try:
            return self.check(value)
        except FieldProblem as problem:
            raise ValidationError(
                {self.name: ValidationError(problem.message, code=problem.code)}
            ) from None

    def display(self, value: str, *, unmasked: bool) -> str:
        """What a reader sees: personal data masked unless ``unmasked``."""
        value = value or ""
        return value if unmasked or self.mask is None else self.mask(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        """A form field that checks with this declaration (errors under the field)."""
        declaration = self

        class _Field(forms.CharField):
            def clean(self, value: Any) -> Any:
                value = super().clean(value)
                try:
                    return declaration.check(value)
                except FieldProblem as problem:
                    raise ValidationError(problem.message, code=problem.code) from None

        options: dict[str, Any] = {
            "label": self.label,
            "required": self.required,
            "strip": False,
        }
        attrs = dict(self.widget_attrs or {})
        if self.max_length and self.normalize is None:
            attrs["maxlength"] = str(self.max_length)
        options["widget"] = forms.TextInput(attrs=attrs)
        options.update(kwargs)
        return _Field(**options)


NAME = CustomerField("name", _("Name"), max_length=100, required=True)
KIND = CustomerField("kind", _("Kind"), normalize=_kind, max_length=10)
PHONE = CustomerField(
    "phone",
    _("Phone"),
    normalize=_phone,
    max_length=20,
    mask=mask_phone,
    widget_attrs={"inputmode": "tel", "autocomplete": "off"},
)
ID_NUMBER = CustomerField(
    "id_number",
    _("ID-card number"),
    normalize=_id_number,
    max_length=18,
    mask=mask_id_number,
    widget_attrs={"autocomplete": "off"},
)
REGION = CustomerField("region", _("Region code"), required=True)
DISTRICT = CustomerField("district", _("District"), max_length=50)
STREET = CustomerField("street", _("Street"), max_length=100)
COMPOUND = CustomerField("compound", _("Residential compound"), max_length=100)
# What is left of a building, unit or room once its word is taken off ("40幢" → "40"): a
# number or a short name, never a formula or punctuation a spreadsheet or a search reads.
_DESIGNATION = re.compile(r"[0-9A-Za-z\u3400-\u9fff./()（）·-]*")


def _designation(normalize: Callable[[str], str]) -> Callable[[str], str]:
    def check(text: str) -> str:
        value = normalize(text)
        if not _DESIGNATION.fullmatch(value):
            raise FieldProblem("address_part")
        return value

    return check


BUILDING = CustomerField(
    "building", _("Building"), normalize=_designation(addresses.normalize_building), max_length=20
)
UNIT = CustomerField(
    "unit", _("Unit"), normalize=_designation(addresses.normalize_unit), max_length=20
)
ROOM = CustomerField(
    "room", _("Room"), normalize=_designation(addresses.normalize_room), max_length=20
)
ADDRESS = CustomerField("address", _("Address"), max_length=300)
VIP_LEVEL = CustomerField("vip_level", _("VIP level"), normalize=_vip_level)

FIELDS: dict[str, CustomerField] = {
    field.name: field
    for field in (
        NAME,
        KIND,
        PHONE,
        ID_NUMBER,
        REGION,
        DISTRICT,
        STREET,
        COMPOUND,
        BUILDING,
        UNIT,
        ROOM,
        ADDRESS,
        VIP_LEVEL,
    )
}
ADDRESS_PARTS = ("district", "street", "compound", "building", "unit", "room")
# Fields a client may set on a customer (the region is resolved by the service).
WRITABLE = tuple(name for name in FIELDS if name != "region")
PERSONAL = tuple(name for name, field in FIELDS.items() if field.personal)


def clean_values(data: Mapping[str, Any], *, names: tuple[str, ...] = WRITABLE) -> dict[str, Any]:
    """The stored form of each of ``names`` present in ``data``; every problem at once.

    Raises one ``ValidationError`` whose dict names each failing field and its reason.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name in names:
        if name not in data:
            continue
        try:
            cleaned[name] = FIELDS[name].check(data[name])
        except FieldProblem as problem:
            errors[name] = [ValidationError(problem.message, code=problem.code)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def complete_address(
    values: dict[str, Any], *, current: Mapping[str, Any] | None = None, city: str = ""
) -> dict[str, Any]:
    """Fill in what the address's other form says, so both stay in step.

    - A full address given without parts is split into parts (what the search matches).
    - Parts given without a full address compose a new one (what people read).
    ``current`` is the stored customer's values (an edit): a part that was not touched
    keeps its stored value when the full text is recomposed.
    """
    current = current or {}
    given_parts = [name for name in ADDRESS_PARTS if name in values]
    if "address" in values and values["address"] and not any(values.get(p) for p in given_parts):
        split = addresses.split_address(values["address"]).as_dict()
        for name, value in split.items():
            if name not in values or not values[name]:
                values[name] = value[: FIELDS[name].max_length]
    elif given_parts and not values.get("address"):
        parts = {name: values.get(name, current.get(name, "")) for name in ADDRESS_PARTS}
        values["address"] = addresses.compose_address(city=city, **parts)[: ADDRESS.max_length]
    return values


# --- export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    header: Promise
    value: Callable[[Any, bool], Any]  # (customer, unmasked) → cell value
    width: int = 10  # characters, for spreadsheets


def _field_value(name: str) -> Callable[[Any, bool], Any]:
    field = FIELDS[name]

    def value(customer: Any, unmasked: bool) -> Any:
        raw = getattr(customer, name)
        if isinstance(raw, str):
            return export_text(field.display(raw, unmasked=unmasked))
        return raw

    return value


@functools.cache
def _kind_labels() -> dict[str, Any]:
    from hotline.customers.models import Customer

    return dict(Customer.Kind.choices)


def _kind_label(code: str) -> Any:
    return _kind_labels().get(code, code)


def _created_at(customer: Any, unmasked: bool) -> str:
    from django.utils import timezone

    return timezone.localtime(customer.created_at).strftime("%Y-%m-%d %H:%M")


_EXPORT_WIDTHS = {
    "district": 10,
    "street": 14,
    "compound": 16,
    "building": 8,
    "unit": 8,
    "room": 8,
    "address": 40,
    "vip_level": 9,
}
EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn(_("Customer no."), lambda c, u: c.pk, 10),
    ExportColumn(NAME.label, _field_value("name"), 14),
    ExportColumn(KIND.label, lambda c, u: str(_kind_label(c.kind)), 8),
    ExportColumn(PHONE.label, _field_value("phone"), 15),
    ExportColumn(ID_NUMBER.label, _field_value("id_number"), 21),
    ExportColumn(REGION.label, lambda c, u: c.region.code, 12),
    ExportColumn(_("Region"), lambda c, u: export_text(c.region.name), 12),
    *(
        ExportColumn(FIELDS[name].label, _field_value(name), _EXPORT_WIDTHS[name])
        for name in (*ADDRESS_PARTS, "address", "vip_level")
    ),
    ExportColumn(_("Created at"), _created_at, 17),
)
