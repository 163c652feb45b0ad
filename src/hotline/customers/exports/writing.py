"""Customer export: the result of any customer search as CSV or Excel, scoped and masked.

Rows are read from the database in chunks and written as they come (CSV is streamed to
the browser; the Excel workbook is written by a background job in openpyxl's write-only
mode to a file, see ``services``), so memory stays bounded whatever the size of the export.
Personal data is masked unless the user may unmask it; an unmasked export is one ``reveal``
entry in the audit log with its row count.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hotline.audit.personal_data import can_unmask
from hotline.audit.record import audit_record
from hotline.customers import selectors
from hotline.customers.fields import EXPORT_COLUMNS
from hotline.customers.models import Customer
from hotline.customers.spreadsheets import cell_value

EXPORT_PERMISSION = "customers.export_customer"
# An Excel sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575
CHUNK = 2000


def require_export(user: Any) -> None:
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(EXPORT_PERMISSION)


def _columns() -> list[tuple[str, int]]:
    """(title, width in characters) of each column: the customer fields' labels and export
    widths (``customers.fields``), which the import's mapping guess recognises, so an export
    re-imports."""
    return [(str(column.header), column.width) for column in EXPORT_COLUMNS]


def export_header() -> list[str]:
    return [title for title, _width in _columns()]


def _rows(
    queryset: QuerySet[Customer], unmasked: bool, limit: int | None = None
) -> Iterator[list[Any]]:
    """The rows in chunks by id, each chunk read whole before its rows are yielded.

    Not ``iterator()``: on SQLite its open cursor pins the connection's snapshot, so the
    export job's progress update between two chunks failed ("database is locked") as soon
    as another process wrote, and the worker died with it.
    """
    columns = [column.value for column in EXPORT_COLUMNS]
    after: int | None = None
    left = limit
    while left is None or left > 0:
        page = queryset if after is None else queryset.filter(pk__gt=after)
        size = CHUNK if left is None else min(CHUNK, left)
        chunk = list(page.order_by("pk")[:size])
        for customer in chunk:
            yield [value(customer, unmasked) for value in columns]
        if len(chunk) < size:
            return
        after = chunk[-1].pk
        left = None if left is None else left - len(chunk)


class CustomerExport:
    """One export: the rows ``user`` may see for ``query``, and whether they are unmasked."""

    def __init__(self, *, user: Any, query: str = "", limit: int | None = None) -> None:
        require_export(user)
        self.user = user
        self.query = (query or "").strip()
        queryset = selectors.customer_list(user=user, query=self.query)
        self.queryset = queryset
        self.limit = limit
        self.unmasked = can_unmask(user)

    def audit(self, file_format: str) -> int:
        """Count the rows; an unmasked export is written to the audit log once, as a reveal."""
        count = self.queryset.count()
        if self.limit:
            count = min(count, self.limit)
        if self.unmasked:
            audit_record(
                action="reveal",
                model=Customer._meta.label_lower,
                object_repr=f"export {file_format}: {count} customers"[:200],
                changes={
                    "export": file_format,
                    "rows": count,
                    "query": self.query,
                    "fields": ["phone", "id_number"],
                },
            )
        return count

    def rows(self) -> Iterator[list[Any]]:
        return _rows(self.queryset, self.unmasked, self.limit or None)


class _Echo:
    """A write-only "file" for ``csv.writer`` that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(export: CustomerExport) -> Iterator[bytes]:
    """The export as CSV, one encoded block at a time (UTF-8 with a BOM for Excel)."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(export_header())).encode("utf-8")
    buffer: list[str] = []
    for row in export.rows():
        buffer.append(writer.writerow([cell_value(v) for v in row]))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_write(
    export: CustomerExport,
    target: IO[bytes] | Path,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 5000,
) -> int:
    """Write the export as an .xlsx workbook to ``target``; returns the rows written.

    ``progress(rows)`` is called every ``every`` rows.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    for index, (_title, width) in enumerate(_columns(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(export_header())
    count = 0
    rows: Iterable[list[Any]] = export.rows()
    for row in rows:
        if count >= XLSX_MAX_ROWS:
            break
        sheet.append([cell_value(v) for v in row])
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    workbook.save(target)
    return count
