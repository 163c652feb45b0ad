"""One pass over an import file: read, check and (when committing) write, batch by batch.

The dry run only checks. The commit checks and writes in short transactions (see
``hotline.pacing``), each with the job's progress and heartbeat; while a transaction's pause
runs, the pass reads and checks the next rows, so pausing costs little.
"""

from __future__ import annotations

import contextlib
import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hotline.customers.imports import reading
from hotline.customers.imports.checks import CleanRow, RowChecker, RowError
from hotline.customers.imports.report import ErrorReport
from hotline.customers.imports.writing import BulkWriter
from hotline.customers.models import ImportJob
from hotline.pacing import WritePacer

# Rows checked against the database in one query.
BATCH = 5000
# Checked rows waiting to be written, at most (memory stays bounded when writing is slower).
MAX_WAITING = 20_000
# A file this wrong needs fixing at the source; a longer report would help nobody.
MAX_ERRORS = 10_000
# Rows of the first write transaction; the pacer then sizes them by measured time.
FIRST_WRITE_ROWS = 200


class JobGone(Exception):
    """The job was cancelled, or another process took it over: stop at once."""


class Progress(Protocol):
    def checked(self, rows: int) -> None:
        """Rows read and checked so far (writes in its own short transaction; may throttle)."""

    def written(self, rows: int, imported: int) -> None:
        """Called inside each write transaction; raises ``JobGone`` if the job is no longer
        this process's to write."""


@dataclass
class PassResult:
    rows: int = 0
    errors: int = 0
    imported: int = 0
    stopped_early: bool = False


def run_pass(
    job: ImportJob, *, write: bool, progress: Progress, pacer: WritePacer | None = None
) -> PassResult:
    """Check every row of ``job``'s file; with ``write``, insert the good ones as well.

    1. Read the rows as a stream; the header names the columns in messages.
    2. Check each row alone (required fields, phone, ID-card, region and scope, duplicates
       earlier in the file), then each batch against the database (existing customers).
       A batch's errors go to the report in row order.
    3. Write the checked rows in short transactions while no error has been seen; once one
       has, keep checking (for a complete report) but write no more: the caller removes
       what was written.
    """
    result = PassResult()
    report_path = Path(
        job.error_report_path or reading.import_dir() / f"{Path(job.file_path).stem}-errors.csv"
    )
    report = ErrorReport(report_path)
    writer = BulkWriter(job_id=job.pk) if write else None
    pacer = pacer or (WritePacer(rows=FIRST_WRITE_ROWS) if write else None)
    reader = reading.file_rows(job)
    checker: RowChecker | None = None
    batch: list[CleanRow] = []
    batch_errors: list[RowError] = []
    waiting: list[CleanRow] = []
    number = 0

    def check_batch() -> None:
        errors = batch_errors + (checker.existing_duplicates(batch) if checker else [])
        if errors:
            errors.sort(key=lambda e: e.row)
            report.add(errors)
        if writer is not None and not report.count:
            waiting.extend(batch)
        elif waiting:
            waiting.clear()
        batch.clear()
        batch_errors.clear()

    def write_some(*, everything: bool = False) -> None:
        assert writer is not None and pacer is not None
        while waiting and not report.count:
            must = everything or len(waiting) > MAX_WAITING
            if not must and (len(waiting) < pacer.rows or not pacer.ready()):
                return
            chunk = pacer.take(waiting)
            with pacer.transaction(len(chunk)):
                writer.write(chunk)
                progress.written(result.rows, result.imported + len(chunk))
            result.imported += len(chunk)
            if not everything:
                return

    def stop(code: str, row: int, **params: object) -> None:
        batch_errors.append(RowError(row, "", "", "", code, params))

    paced = pacer.active() if pacer is not None else contextlib.nullcontext()
    try:
        paced.__enter__()
        while report.count < MAX_ERRORS:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                label = reading.encoding_label(job.encoding)
                stop("encoding", reading.bad_text_row(job) or number + 1, encoding=label)
                break
            except reading.LineTooLong:
                stop("row_too_long", number + 1, max=reading.MAX_LINE_CHARS)
                break
            except (csv.Error, zipfile.BadZipFile, KeyError, ValueError, OSError):
                stop("unreadable", number + 1)
                break
            number += 1
            if checker is None:
                checker = RowChecker(
                    user=job.created_by, mapping=job.mapping, header=cells, job=job
                )
                continue
            if not any(cells) or not "".join(cells).strip():
                continue
            result.rows += 1
            if result.rows > reading.MAX_ROWS:
                result.rows -= 1
                stop("too_many_rows", number, max=reading.MAX_ROWS)
                break
            if len(cells) > reading.MAX_COLUMNS:
                stop("too_many_columns", number, max=reading.MAX_COLUMNS)
            else:
                row, errors = checker.check(number, cells)
                if errors:
                    batch_errors.extend(errors)
                elif row is not None:
                    batch.append(row)
            if len(batch) + len(batch_errors) >= BATCH:
                check_batch()
                progress.checked(result.rows)
            if waiting:
                write_some()
        check_batch()
        if writer is not None:
            write_some(everything=True)
        result.stopped_early = report.count >= MAX_ERRORS
    finally:
        paced.__exit__(None, None, None)
        close = getattr(reader, "close", None)
        if close:
            close()
        report.close()
    result.errors = report.count
    progress.checked(result.rows)
    if job.error_report_path != str(report_path):
        job.error_report_path = str(report_path)
    return result
