"""Customer export: scope, masking, audit of unmasked exports, search, formats, permissions."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from hotline.accounts.models import AuditEntry
from hotline.audit.masking import mask_id_number, mask_phone
from hotline.customers.models import Customer, ExportJob
from tests import factories


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _reveals():
    return AuditEntry.objects.filter(action="reveal")


@pytest.fixture
def excel(settings, tmp_path, django_capture_on_commit_callbacks):
    """Ask for an Excel export through the page and let the background job run; the rows of
    the downloaded workbook, with the job."""
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def export(client, query: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("customers:export_create"), {"q": query})
        assert response.status_code == 302
        job = ExportJob.objects.latest("id")
        assert response["Location"] == reverse("customers:export_job", args=[job.pk])
        page = client.get(response["Location"]).content.decode()
        assert "data-download" in page
        download = client.get(reverse("customers:export_download", args=[job.pk]))
        assert download.status_code == 200
        assert "spreadsheetml" in download["Content-Type"]
        body = b"".join(download.streaming_content)
        workbook = load_workbook(io.BytesIO(body))
        return list(workbook.worksheets[0].iter_rows(values_only=True)), workbook, job

    return export


def test_team_lead_exports_own_regions_unmasked_with_one_audit_entry(world, team_lead, login):
    client = login(team_lead)  # district d1, may unmask
    response = client.post(reverse("customers:export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert [row[1] for row in rows[1:]] == ["张伟", "李娜"]  # c2a is outside d1
    first = rows[1]
    assert first[3] == world.c1a.phone
    assert first[4] == world.c1a.id_number
    assert first[5] == "s1a"
    entries = list(_reveals())
    assert len(entries) == 1
    assert entries[0].actor_id == team_lead.pk
    assert entries[0].changes["rows"] == 2
    assert entries[0].changes["export"] == "csv"


def test_manager_export_is_masked_and_not_audited_as_a_reveal(world, manager, login):
    rows = _csv(login(manager).post(reverse("customers:export", args=["csv"])))
    assert len(rows) == 4  # header + all three customers: managers see all regions
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["王芳"][3] == mask_phone(world.c2a.phone)
    assert by_name["王芳"][4] == mask_id_number(world.c2a.id_number)
    assert world.c2a.phone not in "".join(",".join(row) for row in rows)
    assert not _reveals().exists()


def test_export_follows_the_search(world, manager, login):
    rows = _csv(login(manager).post(reverse("customers:export", args=["csv"]), {"q": "李娜"}))
    assert [row[1] for row in rows[1:]] == ["李娜"]


def test_excel_export_is_a_background_job_scoped_and_masked(world, manager, login, excel):
    client = login(manager)
    values, _workbook, job = excel(client)
    assert len(values) == 4
    names = {row[1]: row for row in values[1:]}
    assert names["张伟"][3] == mask_phone(world.c1a.phone)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == (ExportJob.Status.DONE, 3, 3)


def test_a_finished_export_says_its_file_is_ready_not_the_agent_state(world, manager, login, excel):
    client = login(manager)
    _values, _workbook, job = excel(client)
    page = client.get(reverse("customers:export_job", args=[job.pk])).content.decode()
    assert "<h2>已生成</h2>" in page and "示闲" not in page
    assert 'class="btn"' in page  # the download link looks like the site's buttons
    client.cookies["django_language"] = "en"
    page = client.get(reverse("customers:export_job", args=[job.pk])).content.decode()
    assert "<h2>Ready</h2>" in page


def test_excel_export_unmasked_for_team_lead_is_audited_once(world, team_lead, login, excel):
    values, _workbook, _job = excel(login(team_lead), "张伟")
    assert [row[1] for row in values[1:]] == ["张伟"]
    assert values[1][4] == world.c1a.id_number  # text, all 18 characters
    assert [e.changes["rows"] for e in _reveals()] == [1]


def test_excel_headers_are_the_field_labels_with_column_widths(world, manager, login, excel):
    values, workbook, _job = excel(login(manager))
    with translation.override("zh-hans"):
        assert values[0][-1] == "创建时间"
        assert values[0][:2] == ("客户编号", "姓名")
    sheet = workbook.worksheets[0]
    assert sheet.column_dimensions["N"].width == 40  # the address
    assert sheet.column_dimensions["E"].width >= 18  # an ID-card number fits


def test_a_control_character_in_a_name_never_breaks_an_export(world, manager, login, excel):
    # Every door refuses control characters now; a row stored before that may still hold them.
    customer = factories.customer(world.s1a)
    Customer.objects.filter(pk=customer.pk).update(name="张\x0b三\x1f")  # (PostgreSQL holds no NUL)
    client = login(manager)
    values, _workbook, _job = excel(client)
    assert "张三" in [row[1] for row in values[1:]]
    rows = _csv(client.post(reverse("customers:export", args=["csv"])))
    assert "张三" in [row[1] for row in rows]


def test_someone_elses_export_is_not_found(world, manager, team_lead, login, excel):
    _values, _workbook, job = excel(login(manager))
    client = login(team_lead)
    assert client.get(reverse("customers:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("customers:export_download", args=[job.pk])).status_code == 404


def test_export_progress_is_read_from_the_job_row_and_polls_until_ready(world, manager, login):
    client = login(manager)
    job = ExportJob.objects.create(
        created_by=manager,
        file_format=ExportJob.Format.XLSX,
        status=ExportJob.Status.RUNNING,
        total_rows=720_000,
        processed_rows=5000,
    )
    url = reverse("customers:export_job", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert 'data-processed="5000"' in fragment and 'data-total="720000"' in fragment
    assert "data-download" not in fragment


def test_sweep_fails_an_export_whose_worker_stopped(world, manager):
    import datetime

    from django.utils import timezone

    from hotline.customers.exports.services import LEASE, export_jobs_sweep

    beat = timezone.now()
    job = ExportJob.objects.create(
        created_by=manager,
        file_format=ExportJob.Format.XLSX,
        status=ExportJob.Status.RUNNING,
        heartbeat_at=beat,
    )
    assert export_jobs_sweep(now=beat + datetime.timedelta(seconds=5)) == []
    assert export_jobs_sweep(now=beat + LEASE + datetime.timedelta(seconds=1)) == [job.pk]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED


def test_formula_like_text_is_neutralised(world, manager, login):
    factories.customer(world.s1a, name='=HYPERLINK("http://x")')
    rows = _csv(login(manager).post(reverse("customers:export", args=["csv"])))
    assert '\'=HYPERLINK("http://x")' in [row[1] for row in rows]


def test_export_requires_its_permission(world, agent, login):
    client = login(agent)
    assert client.post(reverse("customers:export", args=["csv"])).status_code == 403
    assert client.post(reverse("customers:export_create")).status_code == 403
    assert not ExportJob.objects.exists()


def test_unknown_format_is_not_found(world, manager, login):
    client = login(manager)
    assert client.post(reverse("customers:export", args=["pdf"])).status_code == 404
    assert client.post(reverse("customers:export", args=["xlsx"])).status_code == 404


def test_list_shows_export_buttons_only_with_the_permission(world, manager, agent, client):
    client.force_login(manager)
    html = client.get(reverse("customers:list"), {"q": "张伟"}).content.decode()
    assert 'data-export-format="csv"' in html and 'data-export-format="xlsx"' in html
    assert 'name="q" value="张伟"' in html
    client.force_login(agent)
    html = client.get(reverse("customers:list")).content.decode()
    assert "data-export" not in html


def test_exported_file_imports_back_with_the_guessed_mapping(
    world, team_lead, login, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.customers.imports import services

    settings.VAR_DIR = tmp_path
    body = b"".join(
        login(team_lead).post(reverse("customers:export", args=["csv"])).streaming_content
    )
    job = services.import_job_create(user=team_lead, upload=SimpleUploadedFile("e.csv", body))
    assert {"name", "phone", "id_number", "region", "address"} <= set(job.mapping)
    result = services.import_validate(job=job)
    # Every row is a customer that already exists: the import recognises them as duplicates.
    assert result.errors == 2


def test_export_streams_asynchronously_under_asgi(world, manager, async_client):
    from asgiref.sync import async_to_sync

    async def fetch():
        await async_client.aforce_login(manager)
        response = await async_client.post(reverse("customers:export", args=["csv"]))
        parts = [part async for part in response.streaming_content]
        return response, b"".join(parts)

    response, body = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.is_async  # a synchronous iterator would be gathered in memory first
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4


def test_a_link_to_the_export_exports_nothing(world, manager, login):
    client = login(manager)
    response = client.get(reverse("customers:export", args=["csv"]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert 'data-error="method_not_allowed"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal", changes__export="csv").exists()


def test_the_export_form_posts_with_the_csrf_token(world, manager, login):
    html = login(manager).get(reverse("customers:list")).content.decode()
    form = html[html.index('action="' + reverse("customers:export", args=["csv"])) - 40 :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


@pytest.mark.django_db(transaction=True)
def test_an_excel_export_finishes_while_others_write_between_its_chunks(
    world, manager, settings, tmp_path, monkeypatch
):
    """On SQLite an open read cursor (``iterator()``) pinned the job connection's snapshot:
    once another process wrote, the job's progress update failed ("database is locked"),
    its failure could not be recorded either, and the worker process died with it."""
    from django.db import connection, connections

    from hotline.customers.exports import services, writing

    settings.VAR_DIR = tmp_path
    settings.DATABASE_BUSY_TIMEOUT_MS = 200
    connection.close()  # the next connection waits 200 ms for a lock, not seconds
    monkeypatch.setattr(writing, "CHUNK", 1)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    other = connections.create_connection("default")
    cell_value = writing.cell_value

    def a_cell_while_someone_else_writes(value):
        # Another process (the web, the scheduler) commits a write between two rows.
        other.cursor().execute(
            "UPDATE accounts_user SET last_login = CURRENT_TIMESTAMP WHERE id = %s",
            [manager.pk],
        )
        return cell_value(value)

    monkeypatch.setattr(writing, "cell_value", a_cell_while_someone_else_writes)
    job = ExportJob.objects.create(created_by=manager, file_format=ExportJob.Format.XLSX)
    try:
        services.export_job_run(job_id=job.pk)
    finally:
        other.close()
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ExportJob.Status.DONE, 3)
    rows = list(load_workbook(job.file_path).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4 and len({row[0] for row in rows[1:]}) == 3
