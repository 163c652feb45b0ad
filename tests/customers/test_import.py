"""Customer import: upload, mapping, dry run, atomic commit, error report, scope, permissions."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from hotline.accounts.menu import menu_for
from hotline.accounts.models import AuditEntry, Role
from hotline.customers import imports
from hotline.customers.models import Customer, CustomerPhone, ImportJob
from tests import factories

HEADER = ["姓名", "手机号码", "身份证号", "站点编码", "地址"]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


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
    return imports.import_job_create(
        user=user, upload=SimpleUploadedFile(name, data), declared_encoding=encoding
    )


def _post_mapping(client, job: ImportJob, action: str, captured):
    data = {key: str(index) for key, index in job.mapping.items()}
    data["action"] = action
    with captured(execute=True):
        return client.post(reverse("customers:import_job", args=[job.pk]), data)


def _report(job: ImportJob) -> list[list[str]]:
    job.refresh_from_db()
    with open(job.error_report_path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))[1:]


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
        imports.import_job_start(job=job, dry_run=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, imports.import_error_preview(job)
    wang = Customer.objects.get(name="王五")
    assert (wang.phone, wang.id_number, wang.region) == ("13912340001", _id(1), world.s1b)
    zhao = Customer.objects.get(name="赵六")
    assert zhao.phone == "051988001234"
    assert zhao.phones.get().kind == "home"


def test_gbk_file_is_detected_and_decoded(world, manager):
    rows = [["张三丰", "13912340002", _id(2), "s1a", "常州市天宁区青洋路"]]
    job = _job_for(manager, _csv_bytes(rows, encoding="gbk"))
    assert job.encoding == "gb18030"
    header, preview = imports.file_preview(job)
    assert header == HEADER
    assert preview[0][0] == "张三丰"
    result = imports.import_commit(job=job)
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
    assert imports.import_commit(job=job).imported == 1
    acme = Customer.objects.get(name="Acme Ltd")
    assert (acme.kind, acme.vip_level, acme.phone) == ("company", 2, "4008001234")


def test_mapping_is_guessed_from_chinese_and_english_headers():
    assert imports.guess_mapping(
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
    assert imports.guess_mapping(["Name", "Phone", "ID", "Station", "Street", "Room"]) == {
        "name": 0,
        "phone": 1,
        "id_number": 2,
        "region": 3,
        "street": 4,
        "room": 5,
    }
    assert imports.guess_mapping(["备注", "金额"]) == {}


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
    result = imports.import_commit(job=job)
    assert (result.errors, result.imported) == (1, 0)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.imported_count == 0
    assert Customer.objects.count() == before
    assert _report(job) == [["3", "身份证号", rows[1][2], str(imports.MSG_ID["check_digit"])]]


def test_row_checks_name_phone_region_kind_and_excel_number(world, manager):
    rows = [
        ["", "13912340003", "", "s1a"],
        ["甲", "12345", "", "s1a"],
        ["乙", "13912340004", "", "nowhere"],
        ["丙", "13912340005", "3.20402198506121e+17", "s1a"],
        ["丁", "13912340006", "", ""],
    ]
    job = _job_for(manager, _csv_bytes(rows, header=HEADER[:4]))
    result = imports.import_validate(job=job)
    assert result.errors == 5
    assert [(r[0], r[1], r[3]) for r in _report(job)] == [
        ("2", "姓名", str(imports.MSG_REQUIRED)),
        ("3", "手机号码", str(imports.MSG_PHONE)),
        ("4", "站点编码", str(imports.MSG_REGION_UNKNOWN)),
        ("5", "身份证号", str(imports.MSG_ID_AS_NUMBER)),
        ("6", "站点编码", str(imports.MSG_REQUIRED)),
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
    result = imports.import_commit(job=job)
    assert result.imported == 0
    assert Customer.objects.count() == before
    assert [(r[0], r[1], r[3]) for r in _report(job)] == [
        ("4", "身份证号", str(imports.MSG_DUP_FILE_ID)),
        ("5", "手机号码", str(imports.MSG_DUP_FILE_PHONE)),
        ("6", "身份证号", str(imports.MSG_DUP_DB_ID)),
        ("7", "手机号码", str(imports.MSG_DUP_DB_PHONE)),
    ]


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
    with pytest.raises(imports.ImportFileError) as caught:
        _job_for(manager, _csv_bytes(_rows(3)), encoding="gb18030")
    assert caught.value.code == "encoding"


def test_bad_bytes_after_the_sample_fail_the_whole_import(world, manager, monkeypatch):
    monkeypatch.setattr(imports, "SAMPLE_BYTES", 200)
    good = _csv_bytes(_rows(20))
    bad = "坏行,13912349999,,s1a,\n".encode("gbk")
    job = _job_for(manager, good + bad)
    assert job.encoding == "utf-8"
    before = Customer.objects.count()
    result = imports.import_commit(job=job)
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
    with pytest.raises(imports.ImportFileError) as caught:
        _job_for(manager, data, name=name)
    assert caught.value.code == code
    assert not ImportJob.objects.exists()
    assert not list(imports.import_dir().iterdir())  # the refused file is not kept


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


def test_an_error_in_the_last_row_rolls_back_batches_already_written(world, manager, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 4)
    rows = _rows(21)
    rows[-1][2] = _bad_check_digit(99)
    before = (Customer.objects.count(), CustomerPhone.objects.count(), AuditEntry.objects.count())
    job = _job_for(manager, _csv_bytes(rows))
    result = imports.import_commit(job=job)
    assert result.rows == 21
    assert result.errors == 1
    after = (Customer.objects.count(), CustomerPhone.objects.count(), AuditEntry.objects.count())
    assert after == before
    job.refresh_from_db()
    assert (job.status, job.imported_count) == (ImportJob.Status.FAILED, 0)


def test_many_batches_import_with_ids_that_follow_existing_customers(world, manager, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 7)
    highest = Customer.objects.order_by("-id").first().pk
    job = _job_for(manager, _csv_bytes(_rows(50)))
    assert imports.import_commit(job=job).imported == 50
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
    result = imports.import_commit(job=job)
    assert (result.errors, result.imported) == (1, 0)
    assert Customer.objects.count() == before
    assert [(r[0], r[1], r[2], r[3]) for r in _report(job)] == [
        ("4", "站点编码", "s2a", str(imports.MSG_REGION_SCOPE)),
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


def test_commit_is_refused_after_a_dry_run_with_errors(world, manager, login):
    rows = _rows(2)
    rows[0][1] = "12"
    job = _job_for(manager, _csv_bytes(rows))
    imports.import_validate(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    client = login(manager)
    response = client.post(reverse("customers:import_commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "data-error-report" in response.content.decode()


def test_progress_fragment_polls_while_running_and_stops_when_done(world, manager, login):
    client = login(manager)
    job = _job_for(manager, _csv_bytes(_rows(5)))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, total_rows=5)
    job.refresh_from_db()
    imports._set_progress(job, 3, in_transaction=True)  # the commit reports through the cache
    url = reverse("customers:import_job", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert 'data-processed="3"' in fragment and 'data-total="5"' in fragment
    assert "<html" not in fragment

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
    job.refresh_from_db()
    result = imports.import_validate(job=job)
    assert result.rows == 5
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert 'data-processed="5"' in fragment


def test_progress_is_reported_per_batch(world, manager, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 3)
    seen: list[int] = []
    monkeypatch.setattr(imports, "_set_progress", lambda job, n, in_transaction: seen.append(n))
    job = _job_for(manager, _csv_bytes(_rows(10)))
    imports.import_validate(job=job)
    assert seen == [3, 6, 9, 10]
    job.refresh_from_db()
    assert (job.total_rows, job.processed_rows) == (10, 10)


def test_error_report_downloads_as_csv_with_bom(world, manager, login):
    rows = _rows(3)
    rows[2][2] = _bad_check_digit(3)
    job = _job_for(manager, _csv_bytes(rows), name="客户清单.csv")
    imports.import_validate(job=job)
    client = login(manager)
    response = client.get(reverse("customers:import_errors", args=[job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(lines) == 2
    assert lines[1] == ["4", "身份证号", rows[2][2], str(imports.MSG_ID["check_digit"])]


def test_error_report_is_written_in_the_uploaders_language(world, manager):
    rows = _rows(1)
    rows[0][0] = ""
    reasons = {}
    for language in ("zh-hans", "en"):
        job = imports.import_job_create(
            user=manager, upload=SimpleUploadedFile("c.csv", _csv_bytes(rows)), language=language
        )
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
        imports.import_job_run(job_id=job.pk, step="validate")
        reasons[language] = _report(job)[0][3]
        with translation.override(language):
            assert reasons[language] == str(imports.MSG_REQUIRED)
    assert reasons["zh-hans"] != reasons["en"]


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


@pytest.mark.parametrize(
    "value",
    [
        _id(5),
        _id(5).lower(),
        _bad_check_digit(5),
        "32040219850230123X",
        "3204021985061212",
        "3204021985061A1234",
        "32040219851332" + "0001",
    ],
)
def test_fast_id_check_agrees_with_the_reference(value):
    from hotline.customers.id_numbers import id_number_problem

    assert imports._id_problem(value.upper()) == id_number_problem(value)
