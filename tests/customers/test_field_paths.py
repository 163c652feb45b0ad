"""The field schema holds on every door: API, import, export, model, demo data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.customers import fields
from hotline.customers.imports import report
from hotline.customers.imports import services as imports
from hotline.customers.models import Customer
from hotline.customers.selectors import customer_search
from hotline.demo.builder import demo_build

# --- import ---------------------------------------------------------------------------------


@pytest.fixture
def _imports_here(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _import(user, rows, header):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    job = imports.import_job_create(
        user=user, upload=SimpleUploadedFile("c.csv", buffer.getvalue().encode("utf-8"))
    )
    return job, imports.import_commit(job=job)


def _errors(job) -> list[list[str]]:
    """[row, column, reason] of every error, in the active language."""
    job.refresh_from_db()
    return [row[:2] + row[3:] for row in report.report_rows(job, limit=50)]


@pytest.mark.usefixtures("_imports_here")
def test_an_imported_40_building_customer_is_found_by_address(world, manager):
    header = ["姓名", "手机号码", "站点编码", "街道", "小区", "楼栋", "单元", "室"]
    row = ["周八", "１３９００００９９９９", "s1a", "延政中路", "翠竹苑", "40幢", "3单元", "1203室"]
    job, result = _import(manager, [row], header)
    assert result.imported == 1, _errors(job)
    customer = Customer.objects.get(name="周八")
    assert (customer.phone, customer.building, customer.unit, customer.room) == (
        "13900009999",
        "40",
        "3",
        "1203",
    )
    assert customer.address == "常州市延政中路翠竹苑40幢3单元1203室"
    for text in (customer.address, "延政中路 40幢", "翠竹苑40幢3单元1203室"):
        assert customer_search(user=manager, query=text).ids == [customer.pk], text


@pytest.mark.usefixtures("_imports_here")
def test_an_imported_full_address_is_split_and_found(world, manager):
    header = ["姓名", "手机号码", "站点编码", "地址"]
    row = ["吴九", "13900007777", "s1a", "江苏省常州市天宁区青洋路红梅新村12幢3单元1203室"]
    job, result = _import(manager, [row], header)
    assert result.imported == 1, _errors(job)
    customer = Customer.objects.get(name="吴九")
    assert (customer.street, customer.compound, customer.building) == ("青洋路", "红梅新村", "12")
    assert customer_search(user=manager, query=row[3]).ids == [customer.pk]


@pytest.mark.usefixtures("_imports_here")
def test_import_rows_with_bad_text_name_the_row_and_column(world, manager):
    header = ["姓名", "手机号码", "身份证号", "站点编码", "备用电话"]
    rows = [
        ["张\x0b伟", "13900001001", "", "s1a", ""],
        ["李四", "13900001002", "3204021990010112²3", "s1a", ""],
        ["王五", "13900001003", "", "s1a", "abc"],
        ["赵六", "abc", "", "s1a", ""],
    ]
    job, result = _import(manager, rows, header)
    assert result.imported == 0 and result.errors == 4
    reasons = {(row, column): reason for row, column, reason in _errors(job)}
    assert "U+000B" in reasons[("2", "姓名")]
    assert reasons[("3", "身份证号")] == str(fields.MESSAGES["id_characters"])
    assert reasons[("4", "备用电话")] == str(fields.MESSAGES["phone_characters"])
    assert reasons[("5", "手机号码")] == str(fields.MESSAGES["phone_characters"])


# --- export ---------------------------------------------------------------------------------


def test_a_control_character_stored_before_the_checks_never_breaks_an_export(world, manager, login):
    # A row written before the schema existed (bypassing every door): the export still works
    # (the Excel export is a background job: tests/customers/test_export.py).
    Customer.objects.filter(pk=world.c1a.pk).update(name="坏\x0b名字\u202e")
    response = login(manager).post(reverse("customers:export", args=["csv"]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"\x0b" not in body and "坏名字".encode() in body


def test_export_headers_are_the_field_labels(world, manager, login):
    from django.utils import translation

    with translation.override("zh-hans"):
        response = login(manager).post(reverse("customers:export", args=["csv"]))
        header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
        assert header.split(",")[-1] == "创建时间"
        assert str(fields.PHONE.label) in header and str(fields.ID_NUMBER.label) in header


# --- model and demo -------------------------------------------------------------------------


def test_the_model_clean_uses_the_schema(world):
    customer = Customer(name="甲", region=world.s1a, phone="１３９００００１２３４", building="5栋")
    customer.full_clean()
    assert (customer.phone, customer.building) == ("13900001234", "5")
    customer.phone = "abc"
    with pytest.raises(ValidationError) as error:
        customer.full_clean()
    assert list(error.value.error_dict) == ["phone"]


@pytest.mark.django_db
def test_demo_customers_pass_the_schema_unchanged():
    demo_build(customers=200, seed=5)
    for customer in Customer.objects.all()[:200]:
        values = {name: getattr(customer, name) for name in fields.WRITABLE}
        assert fields.clean_values(values) == values, customer.pk
        parts = fields.complete_address({"address": customer.address})
        for name in ("street", "compound", "building", "unit", "room"):
            assert parts[name] == getattr(customer, name), (customer.address, name)
