"""Customer export: the result of any customer search as CSV or Excel, scoped and masked.

Rows are read from the database in chunks and written as they come (CSV is streamed to the
browser; the Excel workbook is written in openpyxl's write-only mode to a temporary file), so
memory stays bounded whatever the size of the export. Personal data is masked unless the user
may unmask it; an unmasked export is one ``reveal`` entry in the audit log with its row count.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.audit import audit_record
from hotline.accounts.personal_data import can_unmask, mask_id_number, mask_phone
from hotline.customers import selectors
from hotline.customers.imports import spreadsheet_safe
from hotline.customers.models import Customer

EXPORT_PERMISSION = "customers.export_customer"
# An Excel sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575
CHUNK = 2000


def _require_export(user: Any) -> None:
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(EXPORT_PERMISSION)


def export_header() -> list[str]:
    """Column titles; the import's mapping guess recognises them, so an export re-imports."""
    return [
        _("Customer no."),
        _("Name"),
        _("Kind"),
        _("Phone"),
        _("ID-card number"),
        _("Region code"),
        _("Region"),
        _("District"),
        _("Street"),
        _("Residential compound"),
        _("Building"),
        _("Unit"),
        _("Room"),
        _("Address"),
        _("VIP level"),
        _("Created"),
    ]


def _rows(queryset: QuerySet[Customer], unmasked: bool) -> Iterator[list[Any]]:
    phone = (lambda v: v) if unmasked else mask_phone
    id_number = (lambda v: v) if unmasked else mask_id_number
    kinds = dict(Customer.Kind.choices)
    for c in queryset.iterator(chunk_size=CHUNK):
        yield [
            c.pk,
            c.name,
            str(kinds.get(c.kind, c.kind)),
            phone(c.phone),
            id_number(c.id_number),
            c.region.code,
            c.region.name,
            c.district,
            c.street,
            c.compound,
            c.building,
            c.unit,
            c.room,
            c.address,
            c.vip_level,
            timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
        ]


class CustomerExport:
    """One export: the rows ``user`` may see for ``query``, and whether they are unmasked."""

    def __init__(self, *, user: Any, query: str = "", limit: int | None = None) -> None:
        _require_export(user)
        self.user = user
        self.query = (query or "").strip()
        queryset = selectors.customer_list(user=user, query=self.query)
        self.queryset = queryset[:limit] if limit else queryset
        self.unmasked = can_unmask(user)

    def audit(self, file_format: str) -> int:
        """Count the rows; an unmasked export is written to the audit log once, as a reveal."""
        count = self.queryset.count()
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
        return _rows(self.queryset, self.unmasked)


class _Echo:
    """A write-only "file" for ``csv.writer`` that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(export: CustomerExport) -> Iterator[bytes]:
    """The export as CSV, one encoded line at a time (UTF-8 with a BOM for Excel)."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(export_header())).encode("utf-8")
    buffer: list[str] = []
    for row in export.rows():
        buffer.append(
            writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
        )
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_write(export: CustomerExport) -> IO[bytes]:
    """The export as an .xlsx workbook in a temporary file (rewound, ready to send)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    sheet.append(export_header())
    rows: Iterable[list[Any]] = export.rows()
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            break
        # A text starting with "=" would become a formula.
        sheet.append([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (handed to the response)
    workbook.save(target)
    target.seek(0)
    return target
