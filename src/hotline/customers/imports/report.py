"""The error report of an import: stored as reason codes, shown in the reader's language.

The stored file is a CSV of (row, field, column, value, code, parameters as JSON), in row
order. The page and the download turn each code into a sentence in the language of whoever
looks at it; the download is a CSV with a BOM so that Excel shows Chinese right.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from hotline.customers.imports.checks import RowError, reason_text
from hotline.customers.imports.mapping import FIELDS_BY_KEY
from hotline.customers.models import ImportJob
from hotline.customers.spreadsheets import spreadsheet_safe


class ErrorReport:
    """Appends errors to the job's stored report; the caller hands them over in row order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.stream)
        self.count = 0

    def add(self, errors: list[RowError]) -> None:
        for error in errors:
            self.writer.writerow(
                [
                    error.row,
                    error.field,
                    error.column,
                    error.value,
                    error.code,
                    json.dumps(error.params, ensure_ascii=False) if error.params else "",
                ]
            )
        self.count += len(errors)

    def close(self) -> None:
        self.stream.close()


def _stored(job: ImportJob) -> Iterator[list[str]]:
    path = Path(job.error_report_path) if job.error_report_path else None
    if path is None or not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as stream:
        yield from csv.reader(stream)


def _readable(stored: list[str]) -> list[str]:
    """[row, column, value, reason] in the active language."""
    row, field, column, value, code, params = (stored + [""] * 6)[:6]
    if not column and field in FIELDS_BY_KEY:
        column = str(FIELDS_BY_KEY[field].label)
    return [row, column, value, reason_text(code, json.loads(params) if params else None)]


def report_rows(job: ImportJob, limit: int = 50) -> list[list[str]]:
    """The first ``limit`` errors as [row, column, value, reason], for the page."""
    rows = []
    for stored in _stored(job):
        rows.append(_readable(stored))
        if len(rows) >= limit:
            break
    return rows


class _Echo:
    def write(self, value: str) -> str:
        return value


def report_csv(job: ImportJob) -> Iterator[bytes]:
    """The whole report as a CSV for download (UTF-8 with a BOM), one block at a time."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])).encode()
    lines: list[str] = []
    for stored in _stored(job):
        row, column, value, reason = _readable(stored)
        lines.append(writer.writerow([row, column, spreadsheet_safe(value), reason]))
        if len(lines) >= 500:
            yield "".join(lines).encode()
            lines.clear()
    if lines:
        yield "".join(lines).encode()
