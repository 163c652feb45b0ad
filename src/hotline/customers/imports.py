"""Customer import: read a CSV or .xlsx file, map its columns, check every row, commit atomically.

A job goes through: upload (the file is stored and inspected: format, encoding, delimiter) →
mapping (which column holds which Hotline field, guessed from the header) → a pass over the
whole file, either a dry run that only checks, or the commit that checks and writes in one
transaction. Either pass streams the file, so memory stays bounded whatever its size; the only
thing that grows with the file is one set of small integer hashes used to find duplicate rows.

Rows are written with the database's bulk path (``executemany`` on SQLite, ``COPY`` on
PostgreSQL) and the audit log gets one summary entry per import instead of one per customer.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import operator
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.audit import audit_actor, audit_record
from hotline.accounts.models import Region
from hotline.accounts.scope import regions_in_scope
from hotline.customers.id_numbers import id_number_problem
from hotline.customers.models import Customer, CustomerPhone, ImportJob
from hotline.customers.phones import is_mobile, normalize_phone

IMPORT_PERMISSION = "customers.import_customer"
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
SAMPLE_BYTES = 64 * 1024
BATCH = 5000
# A file this wrong needs fixing at the source; a longer report would help nobody.
MAX_ERRORS = 10_000
PREVIEW_ROWS = 5

ENCODING_CHOICES = (
    ("", gettext_lazy("Automatic")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GBK / GB18030"),
)
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "gb18030": "GBK / GB18030",
    "utf-16": "UTF-16",
}


def import_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def encoding_label(encoding: str) -> str:
    return _ENCODING_NAMES.get(encoding, encoding)


# --- Fields and the mapping guess --------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str | Promise
    required: bool = False
    max_length: int = 0
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        gettext_lazy("Name"),
        True,
        100,
        (
            "姓名",
            "客户姓名",
            "客户名称",
            "用户姓名",
            "用户名称",
            "户名",
            "名称",
            "name",
            "customer name",
            "full name",
            "customer",
        ),
    ),
    ImportField(
        "phone",
        gettext_lazy("Phone"),
        True,
        20,
        (
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话号码",
            "移动电话",
            "联系方式",
            "phone",
            "mobile",
            "tel",
            "telephone",
            "phone number",
            "mobile phone",
        ),
    ),
    ImportField(
        "region",
        gettext_lazy("Region code"),
        True,
        0,
        (
            "站点",
            "站点编码",
            "站点代码",
            "地区",
            "地区编码",
            "区域",
            "区域编码",
            "所属站点",
            "region",
            "region code",
            "station",
            "station code",
        ),
    ),
    ImportField(
        "id_number",
        gettext_lazy("ID-card number"),
        False,
        18,
        (
            "身份证",
            "身份证号",
            "身份证号码",
            "证件号",
            "证件号码",
            "id",
            "id number",
            "id card",
            "id-card number",
            "identity card",
        ),
    ),
    ImportField(
        "other_phone",
        gettext_lazy("Other phone"),
        False,
        20,
        (
            "备用电话",
            "其他电话",
            "固定电话",
            "座机",
            "家庭电话",
            "固话",
            "other phone",
            "home phone",
            "landline",
        ),
    ),
    ImportField(
        "kind",
        gettext_lazy("Kind"),
        False,
        0,
        ("类型", "客户类型", "用户类型", "kind", "type", "customer type"),
    ),
    ImportField("district", gettext_lazy("District"), False, 50, ("区县", "行政区", "district")),
    ImportField("street", gettext_lazy("Street"), False, 100, ("街道", "道路", "street", "road")),
    ImportField(
        "compound",
        gettext_lazy("Residential compound"),
        False,
        100,
        ("小区", "小区名称", "社区", "compound", "residential compound", "estate"),
    ),
    ImportField(
        "building", gettext_lazy("Building"), False, 20, ("楼栋", "楼号", "幢", "栋", "building")
    ),
    ImportField("unit", gettext_lazy("Unit"), False, 20, ("单元", "unit")),
    ImportField(
        "room", gettext_lazy("Room"), False, 20, ("房号", "室号", "门牌号", "房间", "室", "room")
    ),
    ImportField(
        "address",
        gettext_lazy("Address"),
        False,
        300,
        ("地址", "住址", "详细地址", "安装地址", "联系地址", "address", "full address"),
    ),
    ImportField(
        "vip_level",
        gettext_lazy("VIP level"),
        False,
        0,
        ("vip", "vip等级", "会员等级", "vip level"),
    ),
)
FIELDS_BY_KEY = {field.key: field for field in FIELDS}
REQUIRED_FIELDS = tuple(field.key for field in FIELDS if field.required)

_HEADER_NOISE = re.compile(r"[\s_\-:：()（）\[\]【】*#.]+")


def _normal_header(text: str) -> str:
    return _HEADER_NOISE.sub(" ", (text or "").strip().lower()).strip()


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Which column each Hotline field is probably in, from the header's names.

    An exact name (Chinese or English, or the field's label in either language) beats a
    name that merely contains one of the known names; each column serves one field.
    """
    candidates: list[tuple[int, int, str]] = []
    for index, raw in enumerate(header):
        text = _normal_header(raw)
        if not text:
            continue
        for field in FIELDS:
            names = {_normal_header(a) for a in field.aliases}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    names.add(_normal_header(str(field.label)))
            if text in names:
                candidates.append((3, index, field.key))
            elif any(len(name) >= 2 and name in text for name in names):
                candidates.append((2, index, field.key))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, index, key in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if key not in mapping and index not in used:
            mapping[key] = index
            used.add(index)
    return mapping


def mapping_problems(mapping: dict[str, int], columns: int) -> list[str]:
    """Why ``mapping`` cannot be used on a file with ``columns`` columns (empty when it can)."""
    problems = []
    for key in REQUIRED_FIELDS:
        if key not in mapping:
            problems.append(
                _("Choose the column that holds “%(field)s”.") % {"field": FIELDS_BY_KEY[key].label}
            )
    seen: dict[int, str] = {}
    for key, index in mapping.items():
        if key not in FIELDS_BY_KEY or not 0 <= index < columns:
            problems.append(_("The column mapping refers to a column the file does not have."))
        elif index in seen:
            problems.append(
                _("One column cannot fill both “%(a)s” and “%(b)s”.")
                % {"a": FIELDS_BY_KEY[seen[index]].label, "b": FIELDS_BY_KEY[key].label}
            )
        else:
            seen[index] = key
    return problems


# --- Reading the file --------------------------------------------------------------------


class ImportFileError(Exception):
    """The uploaded file cannot be imported at all; ``message`` says why, for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # "csv" | "xlsx"
    encoding: str = ""
    delimiter: str = ""
    header: tuple[str, ...] = ()


def _decodes(data: bytes, encoding: str, final: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _detect_encoding(head: bytes, final: bool, declared: str) -> tuple[str, str]:
    """(encoding, decoded sample) of a text file, or ``ImportFileError``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", _decodes(head, "utf-8-sig", final) or ""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decodes(head, "utf-16", final)
        if text is not None:
            return "utf-16", text
    if b"\x00" in head:
        raise ImportFileError(
            "binary", _("This does not look like a CSV file: it contains binary data.")
        )
    as_utf8 = _decodes(head, "utf-8", final)
    as_gb = _decodes(head, "gb18030", final)
    if declared == "utf-8":
        if as_utf8 is None:
            if as_gb is not None:
                raise ImportFileError(
                    "encoding",
                    _(
                        "The file is not valid UTF-8 text; it looks like GBK (GB18030). "
                        "Choose GBK / GB18030 or Automatic as the encoding."
                    ),
                )
            raise ImportFileError("encoding", _("The file is not valid UTF-8 text."))
        return "utf-8", as_utf8
    if declared == "gb18030":
        if as_utf8 is not None and not as_utf8.isascii():
            raise ImportFileError(
                "encoding",
                _(
                    "The file is UTF-8 text, not GBK: choose UTF-8 or Automatic as the "
                    "encoding, otherwise every Chinese character would be garbled."
                ),
            )
        if as_gb is None:
            raise ImportFileError("encoding", _("The file is not valid GBK (GB18030) text."))
        return "gb18030", as_gb
    if as_utf8 is not None:
        return "utf-8", as_utf8
    if as_gb is not None:
        return "gb18030", as_gb
    raise ImportFileError(
        "encoding",
        _("The file is neither UTF-8 nor GBK text, nor an Excel (.xlsx) workbook."),
    )


def _inspect_text(head: bytes, final: bool, declared: str) -> FileInfo:
    encoding, text = _detect_encoding(head, final, declared)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("empty", _("The file is empty."))
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(text) // 200):
        raise ImportFileError(
            "binary", _("This does not look like a CSV file: it contains binary data.")
        )
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0]
    delimiter = max(",\t;|", key=first.count)
    if first.count(delimiter) == 0:
        raise ImportFileError(
            "not_table",
            _(
                "This does not look like a table: the first line has no commas, tabs or "
                "semicolons between columns."
            ),
        )
    header = next(csv.reader([first], delimiter=delimiter))
    if len(lines) < 2:
        raise ImportFileError("no_rows", _("The file has a header line but no rows."))
    return FileInfo("csv", encoding, delimiter, tuple(cell.strip() for cell in header))


def _inspect_xlsx(path: Path) -> FileInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportFileError(
                    "not_xlsx", _("This is a ZIP archive, not an Excel (.xlsx) workbook.")
                )
        rows = _xlsx_rows(path)
        try:
            header = next(rows, None)
            second = next(rows, None)
        finally:
            rows.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(
            "bad_xlsx", _("The Excel workbook could not be read: it may be damaged.")
        ) from error
    if header is None or not any(header):
        raise ImportFileError("empty", _("The file is empty."))
    if second is None:
        raise ImportFileError("no_rows", _("The file has a header line but no rows."))
    if sum(1 for cell in header if cell) < 2:
        raise ImportFileError(
            "not_table", _("This does not look like a table: the first row has only one column.")
        )
    return FileInfo("xlsx", header=tuple(header))


def file_inspect(path: Path, *, declared_encoding: str = "") -> FileInfo:
    """Format, encoding and header of an uploaded file, or ``ImportFileError`` saying why not."""
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("empty", _("The file is empty."))
    with path.open("rb") as stream:
        head = stream.read(SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _inspect_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "xls", _("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV.")
        )
    return _inspect_text(head, size <= SAMPLE_BYTES, declared_encoding)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a longer number (an ID-card) has lost digits.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _decoded_lines(stream: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode line by line, so that a bad byte is found at the row that holds it.

    A newline byte never occurs inside a UTF-8 or GB18030 character, so splitting the bytes
    first is safe for them.
    """
    decode = codecs.getincrementaldecoder(encoding)("strict").decode
    for line in stream:
        yield decode(line)
    tail = decode(b"", True)
    if tail:
        yield tail


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    # The text reader decodes in large blocks (fast); _bad_text_row finds the row on error.
    with path.open("r", encoding=encoding, errors="strict", newline="") as text:
        yield from csv.reader(text, delimiter=delimiter or ",")


def _bad_text_row(job: ImportJob) -> int:
    """The number of the row (header = 1) where the job's file stops decoding."""
    if job.encoding == "utf-16":
        return 0
    number = 0
    with Path(job.file_path).open("rb") as stream:
        reader = csv.reader(_decoded_lines(stream, job.encoding), delimiter=job.delimiter or ",")
        try:
            for number, _row in enumerate(reader, start=1):  # noqa: B007
                pass
        except UnicodeDecodeError:
            return number + 1
    return number


def file_rows(job: ImportJob) -> Iterator[list[str]]:
    """Every row of the job's file, header first, as stripped strings (streamed)."""
    path = Path(job.file_path)
    if job.file_format == ImportJob.Format.XLSX:
        return _xlsx_rows(path)
    return _csv_rows(path, job.encoding, job.delimiter)


def file_preview(job: ImportJob, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``rows`` rows of the job's file."""
    header: list[str] = []
    body: list[list[str]] = []
    reader = file_rows(job)
    try:
        for index, raw in enumerate(reader):
            row = [cell.strip() for cell in raw]
            if index == 0:
                header = row
            elif any(row):
                body.append(row)
            if len(body) >= rows:
                break
    except (UnicodeDecodeError, csv.Error):
        pass
    finally:
        close = getattr(reader, "close", None)
        if close:
            close()
    width = max([len(header), *(len(row) for row in body)]) if header else 0
    header = header + [""] * (width - len(header))
    return header, [row + [""] * (width - len(row)) for row in body]


def _estimate_rows(job: ImportJob) -> int | None:
    """Data rows in the file, counted cheaply (for the progress bar only)."""
    path = Path(job.file_path)
    if job.file_format == ImportJob.Format.XLSX:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            rows = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        return max(0, rows - 1) if rows else None
    if job.encoding == "utf-16":
        return None
    lines = 0
    last = b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


# --- Checking rows -----------------------------------------------------------------------

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_TOO_LONG = gettext_lazy("Too long: at most %(max)d characters.")
MSG_PHONE = gettext_lazy(
    "Not a plausible phone number: expected an 11-digit mobile number or a landline with its "
    "area code."
)
MSG_ID = {
    "length": gettext_lazy("An ID-card number has 18 characters."),
    "characters": gettext_lazy("An ID-card number is 17 digits followed by a digit or X."),
    "birth_date": gettext_lazy("The birth date inside the ID-card number is not a real date."),
    "check_digit": gettext_lazy("The check digit of the ID-card number is wrong."),
}
MSG_ID_AS_NUMBER = gettext_lazy(
    "Excel stored this ID-card number as a number and lost its last digits: format the column "
    "as text and type the numbers again."
)
MSG_REGION_UNKNOWN = gettext_lazy("No region has this code.")
MSG_REGION_SCOPE = gettext_lazy("This region is outside your regions: you cannot import into it.")
MSG_KIND = gettext_lazy("Unknown kind: use 个人 (person) or 单位 (company).")
MSG_VIP = gettext_lazy("The VIP level is a whole number from 0 to 9.")
MSG_DUP_FILE_ID = gettext_lazy("The same ID-card number is in an earlier row of this file.")
MSG_DUP_FILE_PHONE = gettext_lazy(
    "The same name and phone number are in an earlier row of this file."
)
MSG_DUP_DB_ID = gettext_lazy("A customer with this ID-card number already exists.")
MSG_DUP_DB_PHONE = gettext_lazy("A customer with this name and phone number already exists.")
MSG_ENCODING = gettext_lazy(
    "From this row on the file is not valid %(encoding)s text: save it again with one encoding."
)
MSG_UNREADABLE = gettext_lazy("From this row on the file could not be read.")

_KINDS = {
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
_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?e\+\d+$", re.IGNORECASE)


def phone_is_plausible(digits: str) -> bool:
    """A mobile number, a landline with its area code, or a 400/800 service number."""
    if is_mobile(digits):
        return True
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return True
    return digits[:3] in {"400", "800"} and len(digits) == 10


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str | Promise


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


_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_problem(value: str) -> str | None:
    """``id_number_problem`` with a fast path for the valid numbers that make up most files."""
    if (
        _ID_SHAPE.fullmatch(value)
        and _ID_CHECK[sum(map(operator.mul, map(int, value[:17]), _ID_WEIGHTS)) % 11] == value[17]
    ):
        try:
            datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            return "birth_date"
        return None
    return id_number_problem(value)


_LIMITED = tuple(
    (field.key, field.max_length)
    for field in FIELDS
    if field.max_length and field.key not in {"phone", "other_phone", "id_number"}
)


class _RowChecker:
    """Checks rows one at a time, remembering what it saw to find duplicates in the file.

    Kept lean: a million-row file is checked twice (dry run, then commit).
    """

    def __init__(self, *, user: Any, mapping: dict[str, int], header: list[str]) -> None:
        self.mapping = {key: int(index) for key, index in mapping.items()}
        self.index = {field.key: self.mapping.get(field.key, -1) for field in FIELDS}
        self.columns = {
            field.key: (
                header[index].strip()
                if 0 <= (index := self.index[field.key]) < len(header) and header[index].strip()
                else str(field.label)
            )
            for field in FIELDS
        }
        self.width = max(self.mapping.values()) + 1 if self.mapping else 0
        self.blank = dict.fromkeys(self.index, "")
        self.mapped = tuple(self.mapping.items())
        self.limited = tuple((key, limit) for key, limit in _LIMITED if key in self.mapping)
        self.scope = regions_in_scope(user)
        self.regions: dict[str, int] = {}
        names: dict[str, list[int]] = {}
        for pk, code, name in Region.objects.values_list("id", "code", "name"):
            self.regions[code.lower()] = pk
            names.setdefault(name, []).append(pk)
        for name, pks in names.items():
            if len(pks) == 1:
                self.regions.setdefault(name.lower(), pks[0])
        self.kinds = dict(_KINDS)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for value, label in Customer.Kind.choices:
                    self.kinds.setdefault(str(label).lower(), value)
        self.seen_ids: set[int] = set()
        self.seen_pairs: set[int] = set()

    def check(self, number: int, cells: list[str]) -> tuple[CleanRow | None, list[RowError]]:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        values = self.blank.copy()
        for key, i in self.mapped:
            values[key] = cells[i].strip()
        errors: list[RowError] = []

        def error(key: str, reason: str | Promise) -> None:
            errors.append(RowError(number, self.columns[key], values[key], reason))

        for key, limit in self.limited:
            if len(values[key]) > limit:
                error(key, MSG_TOO_LONG % {"max": limit})
        name = values["name"]
        if not name:
            error("name", MSG_REQUIRED)
        raw_phone = values["phone"]
        phone = normalize_phone(raw_phone)
        if not raw_phone:
            error("phone", MSG_REQUIRED)
        elif not phone_is_plausible(phone):
            error("phone", MSG_PHONE)
        other_phone = ""
        if values["other_phone"]:
            other_phone = normalize_phone(values["other_phone"])
            if not phone_is_plausible(other_phone):
                error("other_phone", MSG_PHONE)
        id_number = values["id_number"].upper()
        if id_number:
            problem = _id_problem(id_number)
            if problem:
                error(
                    "id_number",
                    MSG_ID_AS_NUMBER if _EXCEL_NUMBER.match(id_number) else MSG_ID[problem],
                )
        region_text = values["region"]
        region_id = self.regions.get(region_text.lower()) if region_text else None
        if not region_text:
            error("region", MSG_REQUIRED)
        elif region_id is None:
            error("region", MSG_REGION_UNKNOWN)
        elif self.scope is not None and region_id not in self.scope:
            error("region", MSG_REGION_SCOPE)
        kind = self.kinds.get(values["kind"].lower())
        if kind is None:
            error("kind", MSG_KIND)
        vip_text = values["vip_level"]
        vip_level = 0
        if vip_text:
            if vip_text.isdigit() and int(vip_text) <= 9:
                vip_level = int(vip_text)
            else:
                error("vip_level", MSG_VIP)
        if errors:
            return None, errors
        # Duplicates in the file: only rows that are otherwise fine count as "seen".
        id_key = int(id_number[:17]) if id_number else None
        pair_key = hash((phone, name))
        if id_key is not None and id_key in self.seen_ids:
            error("id_number", MSG_DUP_FILE_ID)
            return None, errors
        if pair_key in self.seen_pairs:
            error("phone", MSG_DUP_FILE_PHONE)
            return None, errors
        if id_key is not None:
            self.seen_ids.add(id_key)
        self.seen_pairs.add(pair_key)
        district = values["district"]
        street = values["street"]
        compound = values["compound"]
        building = values["building"]
        unit = values["unit"]
        room = values["room"]
        address = values["address"]
        if not address and (district or street or compound or building or unit or room):
            address = "".join(
                (
                    district,
                    street,
                    compound,
                    f"{building}幢" if building.isdigit() else building,
                    f"{unit}单元" if unit.isdigit() else unit,
                    f"{room}室" if room.isdigit() else room,
                )
            )[:300]
        return (
            CleanRow(
                number,
                kind,
                name,
                id_number,
                phone,
                other_phone if other_phone != phone else "",
                region_id or 0,
                district,
                street,
                compound,
                building,
                unit,
                room,
                address,
                vip_level,
            ),
            errors,
        )

    def existing_duplicates(self, batch: list[CleanRow]) -> list[RowError]:
        """Rows of ``batch`` that repeat a customer already in the database (all regions).

        Raw SQL: preparing thousands of ``IN`` parameters through the ORM costs more than
        the query itself. Merged-away rows are skipped in Python: a ``merged_into_id IS
        NULL`` condition tempts SQLite into scanning that index instead of the lookup's.
        """
        if not batch:
            return []
        table = Customer._meta.db_table
        ids = list({row.id_number for row in batch if row.id_number})
        phones = list({row.phone for row in batch})
        taken_ids: set[str] = set()
        taken_pairs: set[tuple[str, str]] = set()

        def among(column: str, values: list[str]) -> tuple[str, list]:
            # PostgreSQL takes the list as one array parameter (no query to rewrite).
            if connection.vendor == "postgresql":
                return f"{column} = ANY(%s)", [values]
            return f"{column} IN ({', '.join(['%s'] * len(values))})", values

        with connection.cursor() as cursor:
            if ids:
                condition, params = among("id_number", ids)
                cursor.execute(
                    f"SELECT id_number, merged_into_id FROM {table} WHERE {condition}",  # noqa: S608
                    params,
                )
                taken_ids = {found for found, merged in cursor.fetchall() if merged is None}
            condition, params = among("phone", phones)
            cursor.execute(
                f"SELECT phone, name, merged_into_id FROM {table} WHERE {condition}",  # noqa: S608
                params,
            )
            taken_pairs = {(p, n) for p, n, merged in cursor.fetchall() if merged is None}
        errors = []
        for row in batch:
            if row.id_number and row.id_number in taken_ids:
                errors.append(
                    RowError(row.row, self.columns["id_number"], row.id_number, MSG_DUP_DB_ID)
                )
            elif (row.phone, row.name) in taken_pairs:
                errors.append(RowError(row.row, self.columns["phone"], row.phone, MSG_DUP_DB_PHONE))
        return errors


# --- Writing rows ------------------------------------------------------------------------


def _columns(model: type[models.Model], supplied: tuple[str, ...]) -> tuple[list[str], tuple]:
    """Columns to insert: ``supplied`` ones, then every other column with its default.

    Keeps the bulk insert right when a column with a default is added to the model later.
    """
    columns = [model._meta.get_field(name).column for name in supplied]
    constants = []
    for field in model._meta.concrete_fields:
        if field.attname in supplied or field.name in supplied or field.primary_key:
            continue
        if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        columns.append(field.column)
        constants.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, tuple(constants)


_CUSTOMER_FIELDS = (
    "id",
    "kind",
    "name",
    "id_number",
    "phone",
    "region_id",
    "district",
    "street",
    "compound",
    "building",
    "unit",
    "room",
    "address",
    "vip_level",
    "created_at",
    "updated_at",
)
_PHONE_FIELDS = ("customer_id", "kind", "number", "last4", "is_primary")


class _BulkWriter:
    """Inserts customers and their phone rows batch by batch, inside the caller's transaction."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        now = timezone.now()
        self.stamp = Customer._meta.get_field("created_at").get_db_prep_save(now, connection)
        self.customer_table = Customer._meta.db_table
        self.phone_table = CustomerPhone._meta.db_table
        self.customer_columns, self.customer_constants = _columns(Customer, _CUSTOMER_FIELDS)
        self.phone_columns, self.phone_constants = _columns(CustomerPhone, _PHONE_FIELDS)
        self.next_id = 0
        if not self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {self.customer_table}")  # noqa: S608
                highest = cursor.fetchone()[0] or 0
                with contextlib.suppress(Exception):
                    cursor.execute(
                        "SELECT seq FROM sqlite_sequence WHERE name = %s", [self.customer_table]
                    )
                    found = cursor.fetchone()
                    highest = max(highest, found[0] if found else 0)
            self.next_id = highest + 1

    def _ids(self, cursor: Any, count: int) -> list[int]:
        if self.postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.customer_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        first = self.next_id
        self.next_id += count
        return list(range(first, first + count))

    def _insert(self, cursor: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(columns)
        if self.postgres:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def write(self, batch: list[CleanRow]) -> None:
        stamp, extra, phone_extra = self.stamp, self.customer_constants, self.phone_constants
        with connection.cursor() as cursor:
            ids = self._ids(cursor, len(batch))
            customers = []
            phones = []
            for pk, r in zip(ids, batch, strict=True):
                customers.append(
                    (
                        pk,
                        r.kind,
                        r.name,
                        r.id_number,
                        r.phone,
                        r.region_id,
                        r.district,
                        r.street,
                        r.compound,
                        r.building,
                        r.unit,
                        r.room,
                        r.address,
                        r.vip_level,
                        stamp,
                        stamp,
                        *extra,
                    )
                )
                main_kind = (
                    "mobile" if is_mobile(r.phone) else ("work" if r.kind == "company" else "home")
                )
                phones.append((pk, main_kind, r.phone, r.phone[-4:], True, *phone_extra))
                if r.other_phone:
                    other_kind = "mobile" if is_mobile(r.other_phone) else "home"
                    phones.append(
                        (pk, other_kind, r.other_phone, r.other_phone[-4:], False, *phone_extra)
                    )
            self._insert(cursor, self.customer_table, self.customer_columns, customers)
            self._insert(cursor, self.phone_table, self.phone_columns, phones)


# --- The pass over the file --------------------------------------------------------------


@dataclass
class PassResult:
    rows: int = 0
    errors: int = 0
    imported: int = 0
    stopped_early: bool = False


class _ErrorReport:
    """The downloadable CSV of errors: UTF-8 with a BOM so that Excel shows Chinese right."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
        self.count = 0

    def add(self, errors: list[RowError]) -> None:
        for error in errors:
            self.writer.writerow(
                [error.row, error.column, spreadsheet_safe(error.value), str(error.reason)]
            )
        self.count += len(errors)

    def close(self) -> None:
        self.stream.close()


def spreadsheet_safe(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


ProgressCallback = Callable[[int], None]


def _run_pass(job: ImportJob, *, write: bool, progress: ProgressCallback) -> PassResult:
    """Check every row of ``job``'s file; with ``write``, insert the good ones as well.

    1. Read the rows as a stream; the header names the columns in messages.
    2. Check each row alone (required fields, phone, ID-card, region and scope, duplicates
       earlier in the file), then each batch against the database (existing customers).
    3. Write each clean batch while no error has been seen; once one has, keep checking (for a
       complete report) but stop writing: the caller rolls the transaction back.
    """
    result = PassResult()
    report_path = Path(
        job.error_report_path or import_dir() / f"{Path(job.file_path).stem}-errors.csv"
    )
    report = _ErrorReport(report_path)
    writer = _BulkWriter() if write else None
    reader = file_rows(job)
    checker: _RowChecker | None = None
    batch: list[CleanRow] = []
    number = 0

    def flush() -> None:
        duplicates = checker.existing_duplicates(batch) if checker else []
        if duplicates:
            report.add(duplicates)
        if writer is not None and not report.count and batch:
            writer.write(batch)
            result.imported += len(batch)
        batch.clear()

    try:
        while report.count < MAX_ERRORS:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                reason = MSG_ENCODING % {"encoding": encoding_label(job.encoding)}
                report.add([RowError(_bad_text_row(job) or number + 1, "", "", reason)])
                break
            except (csv.Error, zipfile.BadZipFile, KeyError, ValueError, OSError):
                report.add([RowError(number + 1, "", "", MSG_UNREADABLE)])
                break
            number += 1
            if checker is None:
                checker = _RowChecker(user=job.created_by, mapping=job.mapping, header=cells)
                continue
            if not any(cells) or not "".join(cells).strip():
                continue
            result.rows += 1
            row, errors = checker.check(number, cells)
            if errors:
                report.add(errors)
            elif row is not None:
                batch.append(row)
            if len(batch) >= BATCH:
                flush()
            if result.rows % BATCH == 0:
                progress(result.rows)
        flush()
        result.stopped_early = report.count >= MAX_ERRORS
    finally:
        close = getattr(reader, "close", None)
        if close:
            close()
        report.close()
    result.errors = report.count
    progress(result.rows)
    if job.error_report_path != str(report_path):
        job.error_report_path = str(report_path)
    return result


# --- Services ----------------------------------------------------------------------------


def progress_cache_key(job_id: int) -> str:
    return f"hotline:customer-import:{job_id}:processed"


def import_progress(job: ImportJob) -> int:
    """Rows processed so far; during the commit the job row cannot show it (uncommitted)."""
    live = cache.get(progress_cache_key(job.pk)) if job.is_running else None
    return max(job.processed_rows, live or 0)


def _require_import(user: Any) -> None:
    if not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied(IMPORT_PERMISSION)


def import_job_create(
    *, user: Any, upload: UploadedFile, declared_encoding: str = "", language: str = ""
) -> ImportJob:
    """Store an uploaded file and open an import job for it, with a guessed column mapping.

    Raises ``ImportFileError`` (and keeps nothing) when the file cannot be imported at all.
    """
    _require_import(user)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            "too_big",
            _("The file is too large: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
        )
    original = os.path.basename(upload.name or "upload")[:255]
    suffix = ".xlsx" if original.lower().endswith(".xlsx") else ".csv"
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    try:
        info = file_inspect(path, declared_encoding=declared_encoding)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        file_path=str(path),
        original_name=original,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        mapping=guess_mapping(list(info.header)),
        created_by=user,
        language=language[:10],
    )


def import_job_set_mapping(*, job: ImportJob, mapping: dict[str, int]) -> ImportJob:
    """Save the column mapping; a job already checked goes back to "uploaded"."""
    if job.is_running or job.status == ImportJob.Status.DONE:
        raise ValidationError(_("This import can no longer be changed."))
    header, _rows = file_preview(job, rows=0)
    problems = mapping_problems(mapping, len(header))
    if problems:
        raise ValidationError(problems)
    job.mapping = mapping
    job.status = ImportJob.Status.UPLOADED
    job.error_count = 0
    job.processed_rows = 0
    job.message = ""
    job.save(update_fields=["mapping", "status", "error_count", "processed_rows", "message"])
    return job


def import_job_start(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the dry run or the commit of ``job`` in the background (after this transaction).

    The commit refuses a job whose dry run found errors; either step is claimed with a
    conditional update, so a double click starts it once.
    """
    from hotline.customers.tasks import customer_import_run

    if job.status == ImportJob.Status.FAILED or (
        not dry_run and job.status == ImportJob.Status.VALIDATED and job.error_count
    ):
        raise ValidationError(_("Fix the errors in the file and upload it again."))
    problems = mapping_problems(job.mapping, len(file_preview(job, rows=0)[0]))
    if problems:
        raise ValidationError(problems)
    status = ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.IMPORTING
    claimed = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED],
    ).update(
        status=status,
        dry_run=dry_run,
        processed_rows=0,
        error_count=0,
        message="",
        started_at=timezone.now(),
        finished_at=None,
    )
    if not claimed:
        raise ValidationError(_("This import is already running or finished."))
    job.refresh_from_db()
    step = "validate" if dry_run else "commit"
    transaction.on_commit(lambda: customer_import_run.enqueue(job_id=job.pk, step=step))
    return job


def _set_progress(job: ImportJob, processed: int, *, in_transaction: bool) -> None:
    cache.set(progress_cache_key(job.pk), processed, timeout=3600)
    if not in_transaction:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)


def _finish(job: ImportJob, result: PassResult, status: str, message: str = "") -> None:
    job.status = status
    job.total_rows = result.rows
    job.processed_rows = result.rows
    job.error_count = result.errors
    job.imported_count = result.imported if status == ImportJob.Status.DONE else 0
    job.message = message[:500]
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "total_rows",
            "processed_rows",
            "error_count",
            "imported_count",
            "message",
            "finished_at",
            "error_report_path",
        ]
    )
    cache.delete(progress_cache_key(job.pk))


def _stopped_message(result: PassResult) -> str:
    if result.stopped_early:
        return _("The check stopped after %(n)d errors: fix these and upload the file again.") % {
            "n": MAX_ERRORS
        }
    return ""


def _prepare(job: ImportJob) -> None:
    job.total_rows = _estimate_rows(job)
    job.processed_rows = 0
    job.save(update_fields=["total_rows", "processed_rows"])


def import_validate(*, job: ImportJob) -> PassResult:
    """The dry run: check every row, write the error report, change no customer."""
    _prepare(job)
    result = _run_pass(
        job, write=False, progress=lambda n: _set_progress(job, n, in_transaction=False)
    )
    status = ImportJob.Status.FAILED if result.errors else ImportJob.Status.VALIDATED
    _finish(job, result, status, _stopped_message(result))
    return result


class _Rollback(Exception):
    pass


def import_commit(*, job: ImportJob) -> PassResult:
    """Check every row again and insert them all in one transaction, or none of them.

    Checks run again because the database may have changed since the dry run (a customer
    added, a region moved out of the importer's scope).
    """
    _prepare(job)
    result = PassResult()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The table's statistics predate the rows this transaction adds, so the
                # planner would scan the growing table for each batch's duplicate check.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
            result = _run_pass(
                job, write=True, progress=lambda n: _set_progress(job, n, in_transaction=True)
            )
            if result.errors:
                raise _Rollback
            audit_record(
                action="system",
                model=Customer._meta.label_lower,
                object_id=str(job.pk),
                object_repr=f"import {job.original_name}: {result.imported} customers"[:200],
                changes={
                    "import_job": job.pk,
                    "file": job.original_name,
                    "rows": result.rows,
                    "customers": result.imported,
                },
            )
    except _Rollback:
        _finish(job, result, ImportJob.Status.FAILED, _stopped_message(result))
        return result
    _finish(job, result, ImportJob.Status.DONE)
    return result


def import_job_run(*, job_id: int, step: str) -> PassResult | None:
    """Run one step of a job (the background task's body), as its uploader, in their language."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return None
    expected = ImportJob.Status.VALIDATING if step == "validate" else ImportJob.Status.IMPORTING
    if job.status != expected:
        return None
    language = job.language or settings.LANGUAGE_CODE
    with audit_actor(job.created_by), translation.override(language):
        try:
            if step == "validate":
                return import_validate(job=job)
            return import_commit(job=job)
        except Exception:
            job.status = ImportJob.Status.FAILED
            job.message = _(
                "The import stopped because of an internal error; nothing was imported."
            )
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "message", "finished_at"])
            cache.delete(progress_cache_key(job.pk))
            raise


def import_error_preview(job: ImportJob, limit: int = 50) -> list[list[str]]:
    """The first ``limit`` lines of the job's error report, for the page."""
    if not job.error_report_path or not Path(job.error_report_path).exists():
        return []
    rows = []
    with Path(job.error_report_path).open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        next(reader, None)
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    return rows


def get_import_job_for(user: Any, pk: int) -> ImportJob:
    """The job ``pk`` if ``user`` uploaded it (or is a superuser); 404 otherwise."""
    from django.http import Http404

    _require_import(user)
    jobs = (
        ImportJob.objects.all() if user.is_superuser else ImportJob.objects.filter(created_by=user)
    )
    job = jobs.filter(pk=pk).first()
    if job is None:
        raise Http404("import")
    return job
