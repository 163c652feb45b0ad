"""Reading an uploaded file: format, encoding and delimiter detection, streamed rows, preview."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.customers.models import ImportJob

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
# The header line must fit in the sample that is read to detect the encoding.
SAMPLE_BYTES = 64 * 1024
PREVIEW_ROWS = 5
# Rows read at most to find the preview's first non-empty rows.
PREVIEW_SCAN = 1000
# Limits that keep one hostile file from pinning a process: columns read per row, length of
# one line of a CSV file, data rows per file, and the unpacked size of a workbook's parts.
MAX_COLUMNS = 200
MAX_LINE_CHARS = 64 * 1024
MAX_ROWS = 2_000_000
MAX_XLSX_PART_BYTES = 1024 * 1024 * 1024
MAX_XLSX_STRINGS_BYTES = 256 * 1024 * 1024

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


class ImportFileError(Exception):
    """The uploaded file cannot be imported at all; ``message`` says why, for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LineTooLong(ValueError):
    """A line of a CSV file is longer than ``MAX_LINE_CHARS``."""


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # "csv" | "xlsx"
    encoding: str = ""
    delimiter: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()  # the first non-empty rows after the header
    estimated_rows: int | None = None


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


def _too_many_columns(count: int) -> ImportFileError:
    return ImportFileError(
        "too_many_columns",
        _("The file has %(count)d columns; at most %(max)d are supported.")
        % {"count": count, "max": MAX_COLUMNS},
    )


def _inspect_text(head: bytes, final: bool, declared: str) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file whose first ``SAMPLE_BYTES`` are ``head``."""
    encoding, text = _detect_encoding(head, final, declared)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("empty", _("The file is empty."))
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(text) // 200):
        raise ImportFileError(
            "binary", _("This does not look like a CSV file: it contains binary data.")
        )
    lines = [line for line in text.splitlines(keepends=True) if line.strip()]
    first = lines[0]
    if not final and not first.endswith(("\n", "\r")):
        raise ImportFileError(
            "header_too_long",
            _(
                "The first line is longer than %(kb)d KB: it should name the columns, one short "
                "title each."
            )
            % {"kb": SAMPLE_BYTES // 1024},
        )
    delimiter = max(",\t;|", key=first.count)
    if first.count(delimiter) == 0:
        raise ImportFileError(
            "not_table",
            _(
                "This does not look like a table: the first line has no commas, tabs or "
                "semicolons between columns."
            ),
        )
    if first.count(delimiter) + 1 > MAX_COLUMNS:
        raise _too_many_columns(first.count(delimiter) + 1)
    if len(lines) < 2:
        raise ImportFileError("no_rows", _("The file has a header line but no rows."))
    return encoding, delimiter


def _check_workbook_parts(path: Path) -> None:
    """Refuse a workbook that is a ZIP bomb or no workbook at all, before openpyxl opens it."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        if "xl/workbook.xml" not in {part.filename for part in parts}:
            raise ImportFileError(
                "not_xlsx", _("This is a ZIP archive, not an Excel (.xlsx) workbook.")
            )
        for part in parts:
            limit = (
                MAX_XLSX_STRINGS_BYTES
                if part.filename.endswith("sharedStrings.xml")
                else MAX_XLSX_PART_BYTES
            )
            if part.file_size > limit:
                raise ImportFileError(
                    "xlsx_too_big",
                    _("The workbook unpacks to more than %(mb)d MB: save it as CSV instead.")
                    % {"mb": limit // 2**20},
                )


def _open_sheet(path: Path) -> tuple[Any, Any]:
    """(workbook, first sheet) read-only, its declared size checked and then ignored.

    A sheet's ``<dimension>`` is only a claim: openpyxl pads every row to the declared width
    and adds empty rows up to the declared height, so "A1:XFD1048576" in a 2 KB file means
    16,384 × 1,048,576 cells. Declaring more columns than we read is refused; after that the
    rows are read as they are in the file.
    """
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    if (sheet.max_column or 0) > MAX_COLUMNS:
        workbook.close()
        raise ImportFileError(
            "too_many_columns",
            _(
                "The first sheet declares %(count)d columns (%(range)s); at most %(max)d are "
                "supported. Copy the table into a new workbook and upload that."
            )
            % {
                "count": sheet.max_column,
                "range": sheet.calculate_dimension(),
                "max": MAX_COLUMNS,
            },
        )
    sheet.reset_dimensions()
    return workbook, sheet


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    workbook, sheet = _open_sheet(path)
    try:
        # Rows come padded to MAX_COLUMNS + 1 cells (one more tells a too-wide row apart).
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            width = len(row)
            while width and row[width - 1] is None:
                width -= 1
            yield [_cell_text(value) for value in row[:width]]
    finally:
        workbook.close()


def _bounded_lines(stream: IO[str]) -> Iterator[str]:
    """The stream's lines, refusing one longer than ``MAX_LINE_CHARS`` without reading it."""
    readline = stream.readline
    while line := readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise LineTooLong
        yield line


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    # The text reader decodes in large blocks (fast); bad_text_row finds the row on error.
    with path.open("r", encoding=encoding, errors="strict", newline="") as text:
        yield from csv.reader(_bounded_lines(text), delimiter=delimiter or ",")


def _decoded_lines(stream: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode line by line, so that a bad byte is found at the row that holds it.

    A newline byte never occurs inside a UTF-8 or GB18030 character, so splitting the bytes
    first is safe for them.
    """
    decode = codecs.getincrementaldecoder(encoding)("strict").decode
    while line := stream.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise LineTooLong
        yield decode(line)
    tail = decode(b"", True)
    if tail:
        yield tail


def bad_text_row(job: ImportJob) -> int:
    """The number of the row (header = 1) where the job's file stops decoding."""
    if job.encoding == "utf-16":
        return 0
    number = 0
    with Path(job.file_path).open("rb") as stream:
        reader = csv.reader(_decoded_lines(stream, job.encoding), delimiter=job.delimiter or ",")
        try:
            for number, _row in enumerate(reader, start=1):  # noqa: B007
                pass
        except (UnicodeDecodeError, LineTooLong, csv.Error):
            return number + 1
    return number


def _rows_of(file_format: str, path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    if file_format == ImportJob.Format.XLSX:
        return _xlsx_rows(path)
    return _csv_rows(path, encoding, delimiter)


def file_rows(job: ImportJob) -> Iterator[list[str]]:
    """Every row of the job's file, header first, as stripped strings (streamed)."""
    return _rows_of(job.file_format, Path(job.file_path), job.encoding, job.delimiter)


def _first_rows(rows: Iterator[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``PREVIEW_ROWS`` non-empty rows, reading at most
    ``PREVIEW_SCAN`` rows; each cut to ``MAX_COLUMNS`` cells."""
    header: list[str] = []
    body: list[list[str]] = []
    try:
        for index, raw in enumerate(rows):
            row = [cell.strip() for cell in raw[:MAX_COLUMNS]]
            if index == 0:
                header = row
            elif any(row):
                body.append(row)
            if len(body) >= PREVIEW_ROWS or index >= PREVIEW_SCAN:
                break
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    return header, body


def _count_lines(path: Path) -> int:
    lines = 0
    last = b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _inspect_xlsx(path: Path) -> FileInfo:
    try:
        _check_workbook_parts(path)
        workbook, sheet = _open_sheet(path)
        declared_rows = sheet.max_row
        workbook.close()
        header, body = _first_rows(_xlsx_rows(path))
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(
            "bad_xlsx", _("The Excel workbook could not be read: it may be damaged.")
        ) from error
    if not any(header):
        raise ImportFileError("empty", _("The file is empty."))
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(len(header))
    if not body:
        raise ImportFileError("no_rows", _("The file has a header line but no rows."))
    if sum(1 for cell in header if cell) < 2:
        raise ImportFileError(
            "not_table", _("This does not look like a table: the first row has only one column.")
        )
    estimate = min(declared_rows - 1, MAX_ROWS) if declared_rows else None
    return FileInfo(
        "xlsx",
        header=tuple(header),
        rows=tuple(tuple(row) for row in body),
        estimated_rows=estimate,
    )


def file_inspect(path: Path, *, declared_encoding: str = "") -> FileInfo:
    """Format, encoding, header and first rows of an uploaded file, or ``ImportFileError``
    saying why it cannot be imported. Reads a bounded part of the file (and counts its
    lines), so it answers quickly whatever the upload holds."""
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
    encoding, delimiter = _inspect_text(head, size <= SAMPLE_BYTES, declared_encoding)
    try:
        header, body = _first_rows(_csv_rows(path, encoding, delimiter))
    except LineTooLong:
        raise ImportFileError(
            "line_too_long",
            _(
                "One of the first lines is longer than %(kb)d KB: a customer file has short "
                "rows. Check that it is the right file."
            )
            % {"kb": MAX_LINE_CHARS // 1024},
        ) from None
    except (UnicodeDecodeError, csv.Error):
        header, body = [], []  # reported at its row by the check
    if not header:
        header = next(
            csv.reader(
                [head.decode(encoding, "replace").lstrip("\ufeff").splitlines()[0]],
                delimiter=delimiter,
            )
        )
    estimate = None if encoding == "utf-16" else max(0, _count_lines(path) - 1)
    return FileInfo(
        "csv",
        encoding,
        delimiter,
        tuple(cell.strip() for cell in header),
        tuple(tuple(row) for row in body),
        estimate,
    )


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


def file_preview(job: ImportJob) -> tuple[list[str], list[list[str]]]:
    """The header and first rows stored at upload, padded to one width (no file access)."""
    header = list(job.preview.get("header", []))
    body = [list(row) for row in job.preview.get("rows", [])]
    width = max([len(header), *(len(row) for row in body)]) if header else 0
    header = header + [""] * (width - len(header))
    return header, [row + [""] * (width - len(row)) for row in body]
