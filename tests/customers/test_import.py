"""Customer import: upload, mapping, dry run, all-or-nothing commit, error report, scope,
permissions, cancel and clean-up (in this process; see test_import_processes for workers)."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from hotline import pacing
from hotline.accounts.menu import menu_for
from hotline.accounts.models import AuditEntry, Role
from hotline.customers.imports import checks, mapping, passes, reading, report, services
from hotline.customers.models import Customer, CustomerPhone, Device, ImportJob, ServiceAccount
from tests import factories

HEADER = ["姓名", "手机号码", "身份证号", "站点编码", "地址"]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Nobody else writes to the test database: no pauses between write transactions.
    monkeypatch.setattr(pacing, "SQLITE_GAP", (0.0, 0.0))


def _id(seq: int, birth: str = "19850612") -> str:
    return factories.id_number(area="320402", birth=birth, seq=seq)


def _bad_check_digit(seq: int) -> str:
    good = _id(seq)
    return good[:17] + ("0" if good[17] != "0" else "1")


def _rows(count: int, region: str = "s1a", start: int = 0) -> list[list[str]]:
    return [
        [
            f"导入{i}",
            f"139{i:08d}",
            _id(i % 1000, birth=f"19{60 + i // 1000 % 40}0101"),
            region,
            f"青洋路{i}号",
        ]
        for i in range(start, start + count)
    ]


def _csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, data: bytes, name: str = "customers.csv", encoding: str = ""):
    return client.post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile(name, data), "encoding": encoding},
    )


def _job_for(user, data: bytes, name: str = "customers.csv", encoding: str = "") -> ImportJob:
    return services.import_job_create(
        user=user, upload=SimpleUploadedFile(name, data), declared_encoding=encoding
    )


def _post_mapping(client, job: ImportJob, action: str, captured):
    data = {key: str(index) for key, index in job.mapping.items()}
    data["action"] = action
    with captured(execute=True):
        return client.post(reverse("customers:import_job", args=[job.pk]), data)


def _report(job: ImportJob) -> list[list[str]]:
    """[row, column, value, reason] of every error, in the active language."""
    job.refresh_from_db()
    return report.report_rows(job, limit=10_000)


def _codes(job: ImportJob) -> list[tuple[str, str, str]]:
    """(row, column, reason code) of every error, as stored."""
    job.refresh_from_db()
    with open(job.error_report_path, encoding="utf-8", newline="") as stream:
        return [(r[0], r[2], r[4]) for r in csv.reader(stream)]


def _all_rows() -> tuple[int, int, int, int]:
    """Every customer, phone, account and card row, hidden ones included."""
    return (
        Customer.all_objects.count(),
        CustomerPhone.all_objects.count(),
        ServiceAccount.all_objects.count(),
        Device.all_objects.count(),
    )


# --- happy paths ---------------------------------------------------------------------------


def test_csv_import_through_the_pages_creates_customers_phones_and_one_audit_entry(
    world, manager, login, django_capture_on_commit_callbacks
):
    client = login(manager)
    before = Customer.objects.count()
    audit_before = AuditEntry.objects.count()
    response = _upload(client, _csv_bytes(_rows(30)))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.encoding == "utf-8"
    assert job.mapping == {"name": 0, "phone": 1, "id_number": 2, "region": 3, "address": 4}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "导入0" in page.content.decode()  # the preview shows the first rows

    response = _post_mapping(client, job, "import", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.processed_rows, job.error_count, job.imported_count) == (
        30,
        30,
        0,
        30,
    )
    assert Customer.objects.count() == before + 30
    imported = Customer.objects.get(name="导入7")
    assert imported.region == world.s1a
    assert imported.phone == "13900000007"
    assert imported.address == "青洋路7号"
    phone = CustomerPhone.objects.get(customer=imported)
    assert (phone.number, phone.last4, phone.is_primary, phone.kind) == (
        "13900000007",
        "0007",
        True,
        "mobile",
    )
    # One summary entry, not one per customer.
    new_entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.model) for e in new_entries] == [("system", "customers.customer")]
    assert new_entries[0].changes["customers"] == 30
    assert new_entries[0].actor_id == manager.pk


def test_xlsx_import_reads_numbers_and_text_cells(
    world, manager, django_capture_on_commit_callbacks
):
    rows = [
        ["王五", 13912340001, _id(1), "s1b", "丽华新村3幢"],
        ["赵六", "0519-8800 1234", "", "s1a", ""],
    ]
    job = _job_for(manager, _xlsx_bytes(rows), name="客户.xlsx")
    assert job.file_format == ImportJob.Format.XLSX
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(job=job, dry_run=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, _report(job)
    wang = Customer.objects.get(name="王五")
    assert (wang.phone, wang.id_number, wang.region) == ("13912340001", _id(1), world.s1b)
    zhao = Customer.objects.get(name="赵六")
    assert zhao.phone == "051988001234"
    assert zhao.phones.get().kind == "home"


@pytest.mark.parametrize("name", ["客户", "customers.csv", "customers.xlsx.txt"])
def test_a_workbook_is_read_whatever_its_name_says(world, manager, login, name):
    # The reader goes by the bytes; the stored copy was named by the upload's extension,
    # and openpyxl refuses a file not named .xlsx: "damaged" for a valid workbook.
    client = login(manager)
    response = _upload(client, _xlsx_bytes(_rows(2)), name=name)
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.get()
    assert job.file_format == ImportJob.Format.XLSX
    assert job.original_name == name
    result = services.import_commit(job=job)
    assert (result.rows, result.imported) == (2, 2)


def test_gbk_file_is_detected_and_decoded(world, manager):
    rows = [["张三丰", "13912340002", _id(2), "s1a", "常州市天宁区青洋路"]]
    job = _job_for(manager, _csv_bytes(rows, encoding="gbk"))
    assert job.encoding == "gb18030"
    header, preview = reading.file_preview(job)
    assert header == HEADER
    assert preview[0][0] == "张三丰"
    result = services.import_commit(job=job)
    assert result.imported == 1
    assert Customer.objects.get(name="张三丰").address == "常州市天宁区青洋路"


def test_utf8_with_bom_semicolons_and_english_headers(world, manager):
    header = ["Customer name", "Mobile", "ID number", "Region code", "Kind", "VIP level"]
    data = _csv_bytes([["Acme Ltd", "400 800 1234", "", "S1A", "单位", "2"]], header=header)
    data = b"\xef\xbb\xbf" + data.replace(b",", b";")
    job = _job_for(manager, data)
    assert (job.encoding, job.delimiter) == ("utf-8-sig", ";")
    assert job.mapping == {
        "name": 0,
        "phone": 1,
        "id_number": 2,
        "region": 3,
        "kind": 4,
        "vip_level": 5,
    }
    assert services.import_commit(job=job).imported == 1
    acme = Customer.objects.get(name="Acme Ltd")
    assert (acme.kind, acme.vip_level, acme.phone) == ("company", 2, "4008001234")


def test_mapping_is_guessed_from_chinese_and_english_headers():
    assert mapping.guess_mapping(
        ["序号", "客户姓名", "联系电话", "固定电话", "证件号码", "所属站点", "小区", "详细地址"]
    ) == {
        "name": 1,
        "phone": 2,
        "other_phone": 3,
        "id_number": 4,
        "region": 5,
        "compound": 6,
        "address": 7,
    }
    assert mapping.guess_mapping(["Name", "Phone", "ID", "Station", "Street", "Room"]) == {
        "name": 0,
        "phone": 1,
        "id_number": 2,
        "region": 3,
        "street": 4,
        "room": 5,
    }
    assert mapping.guess_mapping(["备注", "金额"]) == {}


def test_mapping_missing_a_required_field_is_refused(world, manager, login):
    client = login(manager)
    job = _job_for(manager, _csv_bytes(_rows(2), header=["A", "B", "C", "D", "E"]))
    assert job.mapping == {}
    response = client.post(
        reverse("customers:import_job", args=[job.pk]),
        {"name": "0", "phone": "1", "action": "check"},
    )
    assert response.status_code == 400
    assert 'data-field-error="region"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


# --- error cases: nothing is imported ------------------------------------------------------


def test_bad_id_check_digit_reports_row_column_and_reason_and_imports_nothing(world, manager):
    before = Customer.objects.count()
    rows = _rows(3)
    rows[1][2] = _bad_check_digit(7)
    job = _job_for(manager, _csv_bytes(rows))
    result = services.import_commit(job=job)
    assert (result.errors, result.imported) == (1, 0)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.imported_count == 0
    assert Customer.objects.count() == before
    assert _report(job) == [["3", "身份证号", rows[1][2], checks.reason_text("id_check_digit")]]


def test_row_checks_name_phone_region_kind_and_excel_number(world, manager):
    rows = [
        ["", "13912340003", "", "s1a"],
        ["甲", "1234567", "", "s1a"],
        ["乙", "13912340004", "", "nowhere"],
        ["丙", "13912340005", "3.20402198506121e+17", "s1a"],
        ["丁", "13912340006", "", ""],
    ]
    job = _job_for(manager, _csv_bytes(rows, header=HEADER[:4]))
    result = services.import_validate(job=job)
    assert result.errors == 5
    assert _codes(job) == [
        ("2", "姓名", "required"),
        ("3", "手机号码", "phone_implausible"),
        ("4", "站点编码", "region_unknown"),
        ("5", "身份证号", "id_as_number"),
        ("6", "站点编码", "required"),
    ]


def test_duplicate_rows_in_the_file_and_against_existing_customers(world, manager):
    rows = _rows(4)
    rows[2] = [rows[2][0], rows[2][1], rows[0][2], "s1a", ""]  # same ID-card as row 2
    rows[3] = [rows[1][0], rows[1][1], "", "s1b", ""]  # same name and phone as row 3
    existing = world.c1a
    rows.append(["新名字", "13800000000", existing.id_number, "s1a", ""])
    rows.append([existing.name, existing.phone, "", "s1a", ""])
    before = Customer.objects.count()
    job = _job_for(manager, _csv_bytes(rows))
    result = services.import_commit(job=job)
    assert result.imported == 0
    assert Customer.objects.count() == before
    # Each duplicate names the row or the customer it repeats.
    assert [(r[0], r[1], r[3]) for r in _report(job)] == [
        ("4", "身份证号", checks.reason_text("dup_file_id", {"row": 2})),
        ("5", "手机号码", checks.reason_text("dup_file_phone", {"row": 3})),
        ("6", "身份证号", checks.reason_text("dup_db_id", {"customer": existing.pk})),
        ("7", "手机号码", checks.reason_text("dup_db_phone", {"customer": existing.pk})),
    ]
    assert f"{existing.pk}" in _report(job)[2][3]


def test_gbk_bytes_declared_as_utf8_are_refused_with_a_hint(world, manager, login):
    client = login(manager)
    before = Customer.objects.count()
    response = _upload(client, _csv_bytes(_rows(3), encoding="gbk"), encoding="utf-8")
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-upload-error" in html
    assert "GB18030" in html
    assert not ImportJob.objects.exists()
    assert Customer.objects.count() == before


def test_utf8_bytes_declared_as_gbk_are_refused_instead_of_garbled(world, manager):
    with pytest.raises(reading.ImportFileError) as caught:
        _job_for(manager, _csv_bytes(_rows(3)), encoding="gb18030")
    assert caught.value.code == "encoding"


def test_bad_bytes_after_the_sample_fail_the_whole_import(world, manager, monkeypatch):
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 200)
    good = _csv_bytes(_rows(20))
    bad = "坏行,13912349999,,s1a,\n".encode("gbk")
    job = _job_for(manager, good + bad)
    assert job.encoding == "utf-8"
    before = Customer.objects.count()
    result = services.import_commit(job=job)
    assert result.imported == 0
    assert Customer.objects.count() == before
    report = _report(job)
    assert report[0][0] == "22"
    assert "UTF-8" in report[0][3]


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.csv", "empty"),
        (b"\xef\xbb\xbf\r\n  \r\n", "bom-only.csv", "empty"),
        ("姓名,电话,站点\n".encode(), "header-only.csv", "no_rows"),
        ("这是一段说明文字，不是表格\n第二行".encode(), "prose.txt", "not_table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", "xls"),
        (b"PK\x03\x04" + b"\x00" * 100, "fake.xlsx", "bad_xlsx"),
    ],
)
def test_files_that_are_not_tables_are_refused(world, manager, data, name, code):
    with pytest.raises(reading.ImportFileError) as caught:
        _job_for(manager, data, name=name)
    assert caught.value.code == code
    assert not ImportJob.objects.exists()
    assert not list(reading.import_dir().iterdir())  # the refused file is not kept


def test_empty_file_upload_shows_a_clear_message(world, manager, login):
    response = _upload(login(manager), b"", name="empty.csv")
    assert response.status_code == 400
    assert "data-upload-error" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_ten_megabytes_of_random_junk_are_refused(world, manager, login):
    junk = random.Random(2026).randbytes(10 * 1024 * 1024)
    before = Customer.objects.count()
    response = _upload(login(manager), junk, name="customers.csv")
    assert response.status_code == 400
    assert "data-upload-error" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert Customer.objects.count() == before


def test_an_error_in_the_last_row_removes_the_rows_already_written(world, manager, monkeypatch):
    monkeypatch.setattr(passes, "BATCH", 4)
    monkeypatch.setattr(passes, "FIRST_WRITE_ROWS", 3)  # many short write transactions
    rows = _rows(21)
    rows[-1][2] = _bad_check_digit(99)
    before = (*_all_rows(), AuditEntry.objects.count())
    job = _job_for(manager, _csv_bytes(rows))
    result = services.import_commit(job=job)
    assert result.rows == 21
    assert result.errors == 1
    assert result.imported > 0  # rows were written in earlier transactions…
    assert (*_all_rows(), AuditEntry.objects.count()) == before  # …and are all gone again
    job.refresh_from_db()
    assert (job.status, job.imported_count, job.rows_hidden) == (
        ImportJob.Status.FAILED,
        0,
        False,
    )


def test_rows_of_an_unfinished_import_are_invisible_everywhere(world, manager, login):
    """Rows written by a commit that is still running: no page, search, export or API sees
    them; the job's final flip shows them all at once."""
    from hotline.customers.imports.writing import BulkWriter

    job = _job_for(manager, _csv_bytes(_rows(1)))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, rows_hidden=True)
    checker = checks.RowChecker(user=manager, mapping=job.mapping, header=HEADER, job=job)
    row, errors = checker.check(2, ["隐身人", "13987654321", _id(321), "s1a", "青洋路9号"])
    assert not errors
    row.account, row.card = "5190000099", "8320000000000099"
    with pacing.WritePacer().transaction(1):
        BulkWriter(job_id=job.pk).write([row])
    hidden = Customer.all_objects.get(name="隐身人")
    client = login(manager)
    for query in ("隐身人", "13987654321", "4321", _id(321), "5190000099", "8320000000000099"):
        html = client.get(reverse("customers:list"), {"q": query}).content.decode()
        assert reverse("customers:detail", args=[hidden.pk]) not in html, query
    assert client.get(reverse("customers:detail", args=[hidden.pk])).status_code == 404
    export = b"".join(client.post(reverse("customers:export", args=["csv"])).streaming_content)
    assert "隐身人" not in export.decode("utf-8-sig")
    assert not Customer.objects.filter(pk=hidden.pk).exists()
    assert not CustomerPhone.objects.filter(number="13987654321").exists()
    assert not ServiceAccount.objects.filter(number="5190000099").exists()
    assert not Device.objects.filter(serial="8320000000000099").exists()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, rows_hidden=False)
    html = client.get(reverse("customers:list"), {"q": "13987654321"}).content.decode()
    assert reverse("customers:detail", args=[hidden.pk]) in html
    assert client.get(reverse("customers:detail", args=[hidden.pk])).status_code == 200


def test_many_batches_import_with_ids_that_follow_existing_customers(world, manager, monkeypatch):
    monkeypatch.setattr(passes, "BATCH", 7)
    monkeypatch.setattr(passes, "FIRST_WRITE_ROWS", 4)
    highest = Customer.objects.order_by("-id").first().pk
    job = _job_for(manager, _csv_bytes(_rows(50)))
    assert services.import_commit(job=job).imported == 50
    ids = list(Customer.objects.filter(name__startswith="导入").values_list("id", flat=True))
    assert len(ids) == 50 and min(ids) > highest
    assert CustomerPhone.objects.filter(customer_id__in=ids, is_primary=True).count() == 50
    # The ORM keeps working after the bulk path (sequences are in step).
    later = factories.customer(world.s1a, name="后来者")
    assert later.pk > max(ids)


def test_region_outside_the_importers_scope_is_rejected(world, team_lead):
    rows = _rows(2, region="s1b") + _rows(1, region="s2a", start=2)
    before = Customer.objects.count()
    job = _job_for(team_lead, _csv_bytes(rows))
    result = services.import_commit(job=job)
    assert result.errors == 1
    assert Customer.objects.count() == before
    assert [(r[0], r[1], r[2], r[3]) for r in _report(job)] == [
        ("4", "站点编码", "s2a", checks.reason_text("region_unknown")),
    ]


# --- dry run, progress and report ----------------------------------------------------------


def test_dry_run_changes_nothing_then_commit_imports(
    world, manager, login, django_capture_on_commit_callbacks
):
    client = login(manager)
    before = Customer.objects.count()
    job = _job_for(manager, _csv_bytes(_rows(12)))
    _post_mapping(client, job, "check", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.total_rows, job.processed_rows) == (
        ImportJob.Status.VALIDATED,
        True,
        12,
        12,
    )
    assert Customer.objects.count() == before
    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "data-commit" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import_commit", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.imported_count) == (ImportJob.Status.DONE, False, 12)
    assert Customer.objects.count() == before + 12
    # A finished job cannot run again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:import_commit", args=[job.pk]))
    assert Customer.objects.count() == before + 12


def test_dry_run_with_errors_says_how_many_were_found_and_refuses_the_commit(world, manager, login):
    rows = _rows(3)
    rows[0][1] = "12"
    rows[2][1] = "34"
    job = _job_for(manager, _csv_bytes(rows))
    services.import_validate(job=job)
    job.refresh_from_db()
    assert (job.status, job.error_count) == (ImportJob.Status.VALIDATED, 2)
    client = login(manager)
    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    with translation.override("zh-hans"):
        assert "发现 2 个错误" in page
    assert "data-commit" not in page
    response = client.post(reverse("customers:import_commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED
    assert Customer.objects.filter(name__startswith="导入").count() == 0
    assert "data-error-report" in response.content.decode()


def test_errors_are_listed_in_row_order_across_checks(world, manager, monkeypatch):
    """A batch's duplicates of existing customers come from the database after its other
    checks; the report still lists every error by row."""
    monkeypatch.setattr(passes, "BATCH", 50)
    existing = world.c1a
    rows = [
        [existing.name, existing.phone, "", "s1a", ""],  # row 2: existing customer
        ["乙", "12", "", "s1a", ""],  # row 3: bad phone
        ["丙", "13912340011", "", "s1a", ""],
        ["丁", "13912340012", "", "nowhere", ""],  # row 5: unknown region
    ]
    job = _job_for(manager, _csv_bytes(rows))
    services.import_validate(job=job)
    assert [(r, c) for r, _col, c in _codes(job)] == [
        ("2", "dup_db_phone"),
        ("3", "phone_implausible"),
        ("5", "region_unknown"),
    ]


def test_progress_fragment_polls_while_running_and_stops_when_done(world, manager, login):
    client = login(manager)
    job = _job_for(manager, _csv_bytes(_rows(5)))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTING, total_rows=5, processed_rows=3, worker="w:1"
    )
    url = reverse("customers:import_job", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert 'data-processed="3"' in fragment and 'data-total="5"' in fragment
    assert "data-cancel" in fragment
    assert "<html" not in fragment

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.UPLOADED, worker="")
    job.refresh_from_db()
    result = services.import_validate(job=job)
    assert result.rows == 5
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert 'data-processed="5"' in fragment


def test_the_pass_reports_progress_per_batch(world, manager, monkeypatch):
    monkeypatch.setattr(passes, "BATCH", 3)

    class Recorder:
        def __init__(self):
            self.seen: list[int] = []

        def checked(self, rows: int) -> None:
            self.seen.append(rows)

        def written(self, rows: int, imported: int) -> None:
            raise AssertionError("a dry run writes nothing")

    job = _job_for(manager, _csv_bytes(_rows(10)))
    recorder = Recorder()
    passes.run_pass(job, write=False, progress=recorder)
    assert recorder.seen == [3, 6, 9, 10]


def test_job_page_reads_no_file_and_starts_nothing(world, manager, login):
    job = _job_for(manager, _csv_bytes(_rows(3)))
    import os

    os.unlink(job.file_path)  # the page and its polling must not need it
    client = login(manager)
    url = reverse("customers:import_job", args=[job.pk])
    for _ in range(3):
        assert client.get(url).status_code == 200
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.worker) == (ImportJob.Status.UPLOADED, 0, "")


def test_error_report_downloads_as_csv_with_bom_in_the_readers_language(world, manager, login):
    from django.conf import settings

    rows = _rows(3)
    rows[2][2] = _bad_check_digit(3)
    job = _job_for(manager, _csv_bytes(rows), name="客户清单.csv")
    services.import_validate(job=job)
    client = login(manager)
    bodies = {}
    for language in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(reverse("customers:import_errors", args=[job.pk]))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert len(lines) == 2
        with translation.override(language):
            assert lines[1] == ["4", "身份证号", rows[2][2], checks.reason_text("id_check_digit")]
        bodies[language] = lines[1][3]
    assert bodies["zh-hans"] != bodies["en"]


def test_import_template_names_every_field_and_maps_back(world, manager, login):
    response = login(manager).get(reverse("customers:import_template"))
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    header, _example = list(csv.reader(io.StringIO(body)))
    assert len(header) == len(mapping.FIELDS)
    with translation.override("zh-hans"):
        assert "用户账号" in header and "智能卡号" in header
    guessed = mapping.guess_mapping(header)
    assert set(guessed) == {field.key for field in mapping.FIELDS}


def test_accounts_and_smart_cards_are_imported_with_their_customer(world, manager):
    header = [*HEADER, "用户账号", "智能卡号"]
    rows = [
        ["甲", "13912340021", _id(21), "s1a", "", "5190001001", "8320000001001"],
        ["乙", "13912340022", "", "s1a", "", "5190001002", ""],
        ["丙", "13912340023", "", "s1a", "", "", ""],
    ]
    job = _job_for(manager, _csv_bytes(rows, header=header))
    assert (job.mapping["account"], job.mapping["card"]) == (5, 6)
    result = services.import_commit(job=job)
    assert (result.errors, result.imported) == (0, 3), _report(job)
    account = ServiceAccount.objects.get(number="5190001001")
    assert account.customer.name == "甲"
    assert Device.objects.get(serial="8320000001001").account == account
    assert ServiceAccount.objects.get(number="5190001002").devices.count() == 0
    assert not ServiceAccount.objects.filter(customer__name="丙").exists()


def test_account_and_card_duplicates_and_a_card_without_account_are_errors(world, manager):
    header = [*HEADER, "用户账号", "智能卡号"]
    first = _rows(1)[0] + ["5190002001", "8320000002001"]
    job = _job_for(manager, _csv_bytes([first], header=header))
    assert services.import_commit(job=job).imported == 1
    rows = [
        ["甲", "13912340031", "", "s1a", "", "5190002001", ""],  # account exists
        ["乙", "13912340032", "", "s1a", "", "5190002002", "8320000002001"],  # card exists
        ["丙", "13912340033", "", "s1a", "", "", "8320000002003"],  # card without account
        ["丁", "13912340034", "", "s1a", "", "5190002004", ""],
        ["戊", "13912340035", "", "s1a", "", "5190002004", ""],  # same account as row 5
    ]
    job = _job_for(manager, _csv_bytes(rows, header=header))
    services.import_validate(job=job)
    assert [(r, c) for r, _col, c in _codes(job)] == [
        ("2", "dup_db_account"),
        ("3", "dup_db_card"),
        ("4", "card_needs_account"),
        ("6", "dup_file_account"),
    ]


def test_cancel_stops_a_queued_job_at_once(world, manager, login):
    job = _job_for(manager, _csv_bytes(_rows(3)))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, rows_hidden=True)
    client = login(manager)
    response = client.post(reverse("customers:import_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_hidden) == (ImportJob.Status.CANCELLED, False)
    # The worker that picks the task up later finds nothing to run.
    assert services.import_job_run(job_id=job.pk, step="commit") is None
    assert Customer.objects.filter(name__startswith="导入").count() == 0


def test_cancel_during_the_commit_removes_what_was_written(world, manager, monkeypatch):
    """The worker notices the request at its next write and deletes its rows."""
    monkeypatch.setattr(passes, "BATCH", 5)
    monkeypatch.setattr(passes, "FIRST_WRITE_ROWS", 5)
    job = _job_for(manager, _csv_bytes(_rows(40)))
    before = _all_rows()
    seen = []
    real_write = passes.BulkWriter.write

    def write_then_cancel(self, batch):
        real_write(self, batch)
        seen.append(len(batch))
        if len(seen) == 2:  # the user clicks "Cancel" while the commit runs
            ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    monkeypatch.setattr(passes.BulkWriter, "write", write_then_cancel)
    assert services.import_commit(job=job) is None
    job.refresh_from_db()
    assert (job.status, job.rows_hidden, job.imported_count) == (
        ImportJob.Status.CANCELLED,
        False,
        0,
    )
    assert _all_rows() == before
    assert len(seen) == 2


def test_sweep_fails_a_job_whose_worker_stopped_and_removes_its_rows(world, manager, monkeypatch):
    """A heartbeat older than the lease means the worker is gone (here: another machine)."""
    import datetime

    from django.utils import timezone

    from hotline.customers.imports.writing import BulkWriter

    job = _job_for(manager, _csv_bytes(_rows(1)))
    checker = checks.RowChecker(user=manager, mapping=job.mapping, header=HEADER, job=job)
    clean = [checker.check(n + 2, row)[0] for n, row in enumerate(_rows(30, start=100))]
    before = _all_rows()
    beat = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTING, rows_hidden=True, worker="elsewhere:1", heartbeat_at=beat
    )
    with pacing.WritePacer().transaction(30):
        BulkWriter(job_id=job.pk).write(clean)
    assert _all_rows()[0] == before[0] + 30
    assert services.import_jobs_sweep(now=beat + datetime.timedelta(seconds=30)).interrupted == []
    swept = services.import_jobs_sweep(now=beat + services.LEASE + datetime.timedelta(seconds=1))
    assert (swept.interrupted, swept.cleaned) == ([job.pk], [job.pk])
    job.refresh_from_db()
    assert (job.status, job.rows_hidden) == (ImportJob.Status.FAILED, False)
    assert "interrupted" in job.message or "中断" in job.message
    assert _all_rows() == before
    assert services.import_jobs_sweep(now=beat + datetime.timedelta(hours=1)).cleaned == []


def test_sweep_fails_a_job_that_no_worker_ever_started(world, manager):
    import datetime

    from django.utils import timezone

    job = _job_for(manager, _csv_bytes(_rows(1)))
    long_ago = timezone.now() - services.QUEUE_TIMEOUT - datetime.timedelta(minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTING, rows_hidden=True, started_at=long_ago
    )
    assert services.import_jobs_sweep().never_started == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.rows_hidden) == (ImportJob.Status.FAILED, False)


# --- access --------------------------------------------------------------------------------


def test_agent_cannot_import(world, agent, login):
    client = login(agent)
    assert client.get(reverse("customers:import")).status_code == 403
    assert _upload(client, _csv_bytes(_rows(1))).status_code == 403
    assert not ImportJob.objects.exists()


def test_someone_elses_job_is_not_found(world, manager, team_lead, login):
    job = _job_for(manager, _csv_bytes(_rows(1)))
    client = login(team_lead)
    assert client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("customers:import_errors", args=[job.pk])).status_code == 404


def test_import_menu_entry_for_manager_not_for_agent(world, manager, agent, login):
    assert "import" in [entry.key for entry in menu_for(manager)]
    assert "import" not in [entry.key for entry in menu_for(agent)]
    html = login(manager).get(reverse("home")).content.decode()
    assert 'data-menu="import"' in html


def test_upload_page_lists_my_imports(world, manager, login):
    _job_for(manager, _csv_bytes(_rows(1)), name="第一批.csv")
    other = factories.user(Role.MANAGER, username="other_manager")
    _job_for(other, _csv_bytes(_rows(1)), name="别人的.csv")
    html = login(manager).get(reverse("customers:import")).content.decode()
    assert "第一批.csv" in html and "别人的.csv" not in html


def test_a_superscript_digit_in_an_id_number_is_a_row_error_not_a_crash(world, manager):
    rows = _rows(2)
    rows[1][2] = "32040219850612001²"
    job = _job_for(manager, _csv_bytes(rows))
    result = services.import_validate(job=job)
    assert result.errors == 1
    assert _codes(job) == [("3", "身份证号", "id_characters")]


# --- hostile files: refused at upload, quickly, with a reason ---------------------------------


def _xlsx_declaring(dimension: str, rows: list[list[object]]) -> bytes:
    """A small workbook whose sheet claims the size ``dimension`` (as a hostile file may)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes(rows)))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
            out.writestr(item, data)
    return target.getvalue()


def test_a_csv_header_with_two_million_columns_is_refused_at_upload(world, manager, login):
    data = ("," * 2_000_000 + "\n").encode() + _csv_bytes(_rows(2))
    client = login(manager)
    response = _upload(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-upload-error" in html
    with translation.override("zh-hans"):
        assert "第一行超过 64 KB" in html
    assert not ImportJob.objects.exists()
    assert client.get(reverse("customers:import")).status_code == 200  # still answering


def test_a_csv_row_with_two_million_columns_among_the_first_rows_is_refused(world, manager):
    data = _csv_bytes(_rows(1)) + ("," * 2_000_000 + "\n").encode() + _csv_bytes(_rows(1))
    with pytest.raises(reading.ImportFileError) as caught:
        _job_for(manager, data)
    assert caught.value.code == "line_too_long"


def test_a_huge_row_deep_in_the_file_stops_the_check_at_that_row(world, manager):
    rows = _csv_bytes(_rows(30))
    data = rows + ("," * 2_000_000 + "\n").encode() + _csv_bytes(_rows(3, start=40))
    job = _job_for(manager, data)
    result = services.import_validate(job=job)
    assert result.errors == 1
    assert _codes(job) == [("32", "", "row_too_long")]


def test_an_xlsx_declaring_a_whole_sheet_of_cells_is_refused_at_upload(world, manager, login):
    data = _xlsx_declaring("A1:XFD1048576", _rows(2))
    assert len(data) < 10_000
    client = login(manager)
    response = _upload(client, data, name="tiny.xlsx")
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-upload-error" in html
    assert "16384" in html and "A1:XFD1048576" in html
    assert not ImportJob.objects.exists()


def test_an_xlsx_declaring_a_million_rows_imports_the_rows_it_holds(world, manager):
    job = _job_for(manager, _xlsx_declaring("A1:E1048576", _rows(3)), name="tall.xlsx")
    result = services.import_commit(job=job)
    assert (result.rows, result.imported) == (3, 3)


def test_an_xlsx_part_that_unpacks_too_big_is_refused(world, manager, monkeypatch):
    monkeypatch.setattr(reading, "MAX_XLSX_PART_BYTES", 1000)
    with pytest.raises(reading.ImportFileError) as caught:
        _job_for(manager, _xlsx_bytes(_rows(50)), name="big.xlsx")
    assert caught.value.code == "xlsx_too_big"


def test_a_file_with_too_many_rows_stops_at_the_limit(world, manager, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    job = _job_for(manager, _csv_bytes(_rows(12)))
    result = services.import_validate(job=job)
    assert result.rows == 10
    assert _codes(job)[-1] == ("12", "", "too_many_rows")


def test_import_list_page_makes_the_same_queries_for_more_jobs(world, manager, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(manager)
    url = reverse("customers:import")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for n in range(2):
        _job_for(manager, _csv_bytes(_rows(1, start=n)), name=f"{n}.csv")
    few = queries()
    for n in range(2, 7):
        _job_for(manager, _csv_bytes(_rows(1, start=n)), name=f"{n}.csv")
    assert queries() == few


def test_files_of_long_finished_imports_are_pruned_and_recent_ones_kept(world, manager, settings):
    import datetime
    from pathlib import Path

    from django.utils import timezone

    rows = _rows(2)
    rows[0][1] = "12"
    old = _job_for(manager, _csv_bytes(rows))
    services.import_validate(job=old)
    recent = _job_for(manager, _csv_bytes(_rows(2, start=10)))
    services.import_validate(job=recent)
    old.refresh_from_db()
    assert Path(old.error_report_path).exists()
    days = settings.RETENTION["IMPORT_FILES_DAYS"]
    ImportJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=days + 1)
    )
    assert services.import_files_prune() == 1
    old_paths = (old.file_path, old.error_report_path)
    old.refresh_from_db()
    assert (old.file_path, old.error_report_path) == ("", "")
    assert not any(Path(p).exists() for p in old_paths)
    recent.refresh_from_db()
    assert Path(recent.file_path).exists()
    # The page of a pruned job still shows its preview and counts.
    assert reading.file_preview(old)[0] == HEADER


def test_the_sweep_and_the_prune_are_periodic_jobs():
    from hotline.scheduler.registry import periodic_jobs

    names = {job.name for job in periodic_jobs()}
    assert {"customers.transfers_sweep", "customers.files_prune"} <= names
