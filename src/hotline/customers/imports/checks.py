"""Row checks of the customer import: every rule a row must pass, and why it failed.

A failed rule is a ``RowError`` with a reason *code* and its parameters, never a sentence:
the report is shown in the language of whoever reads it (``reason_text``). The rules of the
customer fields are the shared declaration's (``customers.fields``), as on the page and in the
API; the rules particular to a file (region codes, accounts and cards, duplicates) live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from hotline.accounts.models import Region
from hotline.accounts.scope import REGION_REFUSED, regions_in_scope
from hotline.customers import addresses
from hotline.customers import fields as schema
from hotline.customers.fields import UNSAFE_TEXT, FieldProblem
from hotline.customers.imports.mapping import FIELDS
from hotline.customers.models import Customer, Device, ImportJob, ServiceAccount
from hotline.customers.phones import is_plausible

# The field rules and their reasons are the schema's (``customers.fields``: the same as on the
# page and in the API; codes such as "phone_characters", "control", "id_check_digit"); what
# follows is particular to a file.
REASONS: dict[str, Promise] = {
    **schema.MESSAGES,
    # Codes of reports stored before the schema took over the field rules.
    "phone": schema.MESSAGES["phone_implausible"],
    "vip": schema.MESSAGES["vip_level"],
    "id_as_number": gettext_lazy(
        "Excel stored this ID-card number as a number and lost its last digits: format the "
        "column as text and type the numbers again."
    ),
    # Also for a region outside the importer's: a different reason would tell which exist.
    "region_unknown": REGION_REFUSED,
    "account_characters": gettext_lazy("An account number has only letters, digits and dashes."),
    "card_characters": gettext_lazy("A smart-card number has only letters and digits."),
    "card_needs_account": gettext_lazy("A smart card belongs to an account: fill in the account."),
    "dup_file_id": gettext_lazy("The same ID-card number is in row %(row)d of this file."),
    "dup_file_phone": gettext_lazy(
        "The same name and phone number are in row %(row)d of this file."
    ),
    "dup_file_account": gettext_lazy("The same account number is in row %(row)d of this file."),
    "dup_file_card": gettext_lazy("The same smart-card number is in row %(row)d of this file."),
    "dup_db_id": gettext_lazy("Customer no. %(customer)d already has this ID-card number."),
    "dup_db_phone": gettext_lazy(
        "Customer no. %(customer)d already has this name and phone number."
    ),
    "dup_db_id_elsewhere": gettext_lazy(
        "A customer outside your regions already has this ID-card number."
    ),
    "dup_db_phone_elsewhere": gettext_lazy(
        "A customer outside your regions already has this name and phone number."
    ),
    "dup_db_account": gettext_lazy("This account number already exists."),
    "dup_db_card": gettext_lazy("This smart-card number already exists."),
    "encoding": gettext_lazy(
        "From this row on the file is not valid %(encoding)s text: save it again with one encoding."
    ),
    "unreadable": gettext_lazy("From this row on the file could not be read."),
    "row_too_long": gettext_lazy(
        "From this row on the file could not be read: a line is longer than %(max)d characters."
    ),
    "too_many_columns": gettext_lazy("This row has more than %(max)d columns."),
    "too_many_rows": gettext_lazy(
        "The file has more than %(max)d rows: split it into several files."
    ),
    "internal": gettext_lazy("This row could not be checked because of an internal error."),
}


def reason_text(code: str, params: dict[str, Any] | None = None) -> str:
    """The reason ``code`` as a sentence in the active language."""
    message = REASONS.get(code)
    if message is None:
        return code
    try:
        return str(message) % (params or {}) if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?e\+\d+$", re.IGNORECASE)
_ACCOUNT = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]*")
_CARD = re.compile(r"[0-9A-Za-z]+")


def phone_is_plausible(digits: str) -> bool:
    """A mobile number, a landline with its area code, or a service number (the schema's)."""
    return is_plausible(digits)


@dataclass(frozen=True, slots=True)
class RowError:
    """Row ``row`` (header = 1) breaks rule ``code`` in the column for ``field``."""

    row: int
    field: str
    column: str  # the file's own header of that column ("" when it has none)
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)


@dataclass(slots=True)
class CleanRow:
    row: int
    kind: str
    name: str
    id_number: str
    phone: str
    other_phone: str
    region_id: int
    district: str
    street: str
    compound: str
    building: str
    unit: str
    room: str
    address: str
    vip_level: int
    account: str = ""
    card: str = ""


# Fields whose text the schema checks and normalises (region, other phone, account and card
# are the importer's own columns).
_SCHEMA_KEYS = tuple(f.key for f in FIELDS if f.key in schema.FIELDS and f.key != "region")


def _among(column: str, values: list) -> tuple[str, list]:
    # PostgreSQL takes the list as one array parameter (no query to rewrite).
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


class RowChecker:
    """Checks rows one at a time, remembering what it saw to find duplicates in the file.

    Kept lean: a million-row file is checked twice (dry run, then commit). What it remembers
    per row is a small integer key and the row's number (to name it in a duplicate's error).
    """

    def __init__(
        self, *, user: Any, mapping: dict[str, int], header: list[str], job: ImportJob
    ) -> None:
        self.job_id = job.pk
        self.mapping = {key: int(index) for key, index in mapping.items()}
        self.index = {f.key: self.mapping.get(f.key, -1) for f in FIELDS}
        self.columns = {
            f.key: (
                header[index].strip()
                if 0 <= (index := self.index[f.key]) < len(header) and header[index].strip()
                else ""
            )
            for f in FIELDS
        }
        self.width = max(self.mapping.values()) + 1 if self.mapping else 0
        self.blank = dict.fromkeys(self.index, "")
        self.mapped = tuple(self.mapping.items())
        self.schema_keys = tuple(key for key in _SCHEMA_KEYS if key in self.mapping)
        self.scope = regions_in_scope(user)
        self.regions: dict[str, int] = {}
        self.cities: dict[int, str] = {}
        names: dict[str, list[int]] = {}
        city_names: dict[str, str] = {}
        paths: dict[int, str] = {}
        for pk, code, name, level, path in Region.objects.values_list(
            "id", "code", "name", "level", "path"
        ):
            self.regions[code.lower()] = pk
            names.setdefault(name, []).append(pk)
            paths[pk] = path
            if level == Region.Level.CITY:
                city_names[code] = name
        for name, pks in names.items():
            if len(pks) == 1:
                self.regions.setdefault(name.lower(), pks[0])
        # The city's name starts the full address composed from the parts (as in the demo).
        for pk, path in paths.items():
            self.cities[pk] = city_names.get(path.strip("/").split("/")[0], "")
        self.seen_ids: dict[int, int] = {}
        self.seen_pairs: dict[int, int] = {}
        self.seen_accounts: dict[int, int] = {}
        self.seen_cards: dict[int, int] = {}

    def error(self, number: int, key: str, value: str, code: str, **params: Any) -> RowError:
        return RowError(number, key, self.columns.get(key, ""), value, code, params)

    def check(self, number: int, cells: list[str]) -> tuple[CleanRow | None, list[RowError]]:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        values = self.blank.copy()
        for key, i in self.mapped:
            values[key] = cells[i].strip()
        errors: list[RowError] = []

        def error(key: str, code: str, **params: Any) -> None:
            errors.append(RowError(number, key, self.columns[key], values[key], code, params))

        cleaned: dict[str, Any] = {}
        # One search for control characters per row; per field only when it finds one.
        text_checked = UNSAFE_TEXT.search("".join(values.values())) is None
        for key in self.schema_keys:
            try:
                cleaned[key] = schema.FIELDS[key].check(values[key], text_checked=text_checked)
            except FieldProblem as problem:
                if key == "id_number" and _EXCEL_NUMBER.match(values[key]):
                    error(key, "id_as_number")
                else:
                    error(key, problem.code, **problem.params)
        name = cleaned.get("name", "")
        phone = cleaned.get("phone", "")
        if not values["phone"]:
            error("phone", "required")
        other_phone = ""
        if values["other_phone"]:
            try:
                other_phone = schema.PHONE.check(values["other_phone"], text_checked=text_checked)
            except FieldProblem as problem:
                error("other_phone", problem.code, **problem.params)
        id_number = cleaned.get("id_number", "")
        region_text = values["region"]
        region_id = self.regions.get(region_text.lower()) if region_text else None
        if not region_text:
            error("region", "required")
        elif region_id is None or (self.scope is not None and region_id not in self.scope):
            error("region", "region_unknown")
        account = values["account"]
        card = values["card"]
        if account and not _ACCOUNT.fullmatch(account):
            error("account", "account_characters")
        if card:
            if not _CARD.fullmatch(card):
                error("card", "card_characters")
            elif not account:
                error("card", "card_needs_account")
        if errors:
            return None, errors
        # Duplicates in the file: only rows that are otherwise fine count as "seen".
        id_key = int(id_number[:17]) if id_number else None
        pair_key = hash((phone, name))
        account_key = hash(account) if account else None
        card_key = hash(card) if card else None
        if id_key is not None and id_key in self.seen_ids:
            error("id_number", "dup_file_id", row=self.seen_ids[id_key])
        elif pair_key in self.seen_pairs:
            error("phone", "dup_file_phone", row=self.seen_pairs[pair_key])
        elif account_key is not None and account_key in self.seen_accounts:
            error("account", "dup_file_account", row=self.seen_accounts[account_key])
        elif card_key is not None and card_key in self.seen_cards:
            error("card", "dup_file_card", row=self.seen_cards[card_key])
        if errors:
            return None, errors
        if id_key is not None:
            self.seen_ids[id_key] = number
        self.seen_pairs[pair_key] = number
        if account_key is not None:
            self.seen_accounts[account_key] = number
        if card_key is not None:
            self.seen_cards[card_key] = number
        # Building, unit and room are stored bare ("40幢" → "40") and a full address without
        # parts is split into them, so an imported customer is found like any other.
        if cleaned.get("address") and not any(cleaned.get(p) for p in schema.ADDRESS_PARTS):
            cleaned.update(addresses.split_address(cleaned["address"]).as_dict())
        elif not cleaned.get("address") and any(cleaned.get(p) for p in schema.ADDRESS_PARTS):
            parts = {p: cleaned.get(p, "") for p in schema.ADDRESS_PARTS}
            cleaned["address"] = addresses.compose_address(
                city=self.cities.get(region_id or 0, ""), **parts
            )[: schema.ADDRESS.max_length]
        get = cleaned.get
        return (
            CleanRow(
                number,
                get("kind", "person"),
                name,
                id_number,
                phone,
                other_phone if other_phone != phone else "",
                region_id or 0,
                get("district", "")[: schema.DISTRICT.max_length],
                get("street", "")[: schema.STREET.max_length],
                get("compound", "")[: schema.COMPOUND.max_length],
                get("building", "")[: schema.BUILDING.max_length],
                get("unit", "")[: schema.UNIT.max_length],
                get("room", "")[: schema.ROOM.max_length],
                get("address", ""),
                get("vip_level", 0),
                account,
                card,
            ),
            errors,
        )

    def _ignored_jobs(self) -> set[int]:
        """Imports whose rows are no customers: this one's own, and failed ones being removed."""
        failed = ImportJob.objects.filter(rows_hidden=True).exclude(
            status=ImportJob.Status.IMPORTING
        )
        return {self.job_id, *failed.values_list("pk", flat=True)}

    def existing_duplicates(self, batch: list[CleanRow]) -> list[RowError]:
        """Rows of ``batch`` that repeat a customer, account or card already in the database.

        All regions count (a duplicate elsewhere is still a duplicate), but a customer outside
        the importer's regions is not named. Raw SQL: preparing thousands of ``IN`` parameters
        through the ORM costs more than the query itself. Merged-away rows and rows of other
        unfinished imports are sorted out in Python: a condition on them tempts SQLite into
        scanning that index instead of the lookup's.
        """
        if not batch:
            return []
        ignored = self._ignored_jobs()
        table = Customer._meta.db_table
        ids = list({row.id_number for row in batch if row.id_number})
        phones = list({row.phone for row in batch})
        accounts = list({row.account for row in batch if row.account})
        cards = list({row.card for row in batch if row.card})
        taken_ids: dict[str, tuple[int, int]] = {}
        taken_pairs: dict[tuple[str, str], tuple[int, int]] = {}
        taken_accounts: set[str] = set()
        taken_cards: set[str] = set()
        with connection.cursor() as cursor:
            if ids:
                condition, params = _among("id_number", ids)
                cursor.execute(
                    "SELECT id_number, id, region_id, merged_into_id, import_job_id"  # noqa: S608
                    f" FROM {table} WHERE {condition}",
                    params,
                )
                for found, pk, region, merged, job in cursor.fetchall():
                    if merged is None and job not in ignored:
                        taken_ids.setdefault(found, (pk, region))
            condition, params = _among("phone", phones)
            cursor.execute(
                "SELECT phone, name, id, region_id, merged_into_id, import_job_id"  # noqa: S608
                f" FROM {table} WHERE {condition}",
                params,
            )
            for phone, name, pk, region, merged, job in cursor.fetchall():
                if merged is None and job not in ignored:
                    taken_pairs.setdefault((phone, name), (pk, region))
            # Account and card numbers are unique across every row, hidden or not.
            if accounts:
                condition, params = _among("number", accounts)
                cursor.execute(
                    f"SELECT number, import_job_id FROM {ServiceAccount._meta.db_table}"  # noqa: S608
                    f" WHERE {condition}",
                    params,
                )
                taken_accounts = {n for n, job in cursor.fetchall() if job != self.job_id}
            if cards:
                condition, params = _among("serial", cards)
                cursor.execute(
                    f"SELECT serial, import_job_id FROM {Device._meta.db_table}"  # noqa: S608
                    f" WHERE kind = %s AND {condition}",
                    [Device.Kind.SMART_CARD, *params],
                )
                taken_cards = {s for s, job in cursor.fetchall() if job != self.job_id}
        errors = []
        for row in batch:
            found = taken_ids.get(row.id_number) if row.id_number else None
            if found is not None:
                errors.append(self._existing(row, "id_number", row.id_number, "dup_db_id", found))
            elif (found := taken_pairs.get((row.phone, row.name))) is not None:
                errors.append(self._existing(row, "phone", row.phone, "dup_db_phone", found))
            elif row.account and row.account in taken_accounts:
                errors.append(self.error(row.row, "account", row.account, "dup_db_account"))
            elif row.card and row.card in taken_cards:
                errors.append(self.error(row.row, "card", row.card, "dup_db_card"))
        return errors

    def _existing(
        self, row: CleanRow, key: str, value: str, code: str, found: tuple[int, int]
    ) -> RowError:
        pk, region = found
        if self.scope is not None and region not in self.scope:
            return self.error(row.row, key, value, f"{code}_elsewhere")
        return self.error(row.row, key, value, code, customer=pk)
