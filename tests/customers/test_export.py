"""Customer export: scope, masking, audit of unmasked exports, search, formats, permissions."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from hotline.accounts.models import AuditEntry
from hotline.accounts.personal_data import mask_id_number, mask_phone
from tests import factories


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _reveals():
    return AuditEntry.objects.filter(action="reveal")


def test_team_lead_exports_own_regions_unmasked_with_one_audit_entry(world, team_lead, login):
    client = login(team_lead)  # district d1, may unmask
    response = client.get(reverse("customers:export", args=["csv"]))
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
    rows = _csv(login(manager).get(reverse("customers:export", args=["csv"])))
    assert len(rows) == 4  # header + all three customers: managers see all regions
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["王芳"][3] == mask_phone(world.c2a.phone)
    assert by_name["王芳"][4] == mask_id_number(world.c2a.id_number)
    assert world.c2a.phone not in "".join(",".join(row) for row in rows)
    assert not _reveals().exists()


def test_export_follows_the_search(world, manager, login):
    rows = _csv(login(manager).get(reverse("customers:export", args=["csv"]), {"q": "李娜"}))
    assert [row[1] for row in rows[1:]] == ["李娜"]


def test_excel_export_is_scoped_and_masked(world, manager, login):
    response = login(manager).get(reverse("customers:export", args=["xlsx"]))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(values) == 4
    names = {row[1]: row for row in values[1:]}
    assert names["张伟"][3] == mask_phone(world.c1a.phone)


def test_excel_export_unmasked_for_team_lead_is_audited_once(world, team_lead, login):
    response = login(team_lead).get(reverse("customers:export", args=["xlsx"]), {"q": "张伟"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert [row[1] for row in values[1:]] == ["张伟"]
    assert values[1][4] == world.c1a.id_number  # text, all 18 characters
    assert [e.changes["rows"] for e in _reveals()] == [1]


def test_formula_like_text_is_neutralised(world, manager, login):
    factories.customer(world.s1a, name='=HYPERLINK("http://x")')
    rows = _csv(login(manager).get(reverse("customers:export", args=["csv"])))
    assert '\'=HYPERLINK("http://x")' in [row[1] for row in rows]


def test_export_requires_its_permission(world, agent, login):
    client = login(agent)
    assert client.get(reverse("customers:export", args=["csv"])).status_code == 403
    assert client.get(reverse("customers:export", args=["xlsx"])).status_code == 403


def test_unknown_format_is_not_found(world, manager, login):
    assert login(manager).get(reverse("customers:export", args=["pdf"])).status_code == 404


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

    from hotline.customers import imports

    settings.VAR_DIR = tmp_path
    body = b"".join(
        login(team_lead).get(reverse("customers:export", args=["csv"])).streaming_content
    )
    job = imports.import_job_create(user=team_lead, upload=SimpleUploadedFile("e.csv", body))
    assert {"name", "phone", "id_number", "region", "address"} <= set(job.mapping)
    result = imports.import_validate(job=job)
    # Every row is a customer that already exists: the import recognises them as duplicates.
    assert result.errors == 2


def test_export_streams_asynchronously_under_asgi(world, manager, async_client):
    from asgiref.sync import async_to_sync

    async def fetch():
        await async_client.aforce_login(manager)
        response = await async_client.get(reverse("customers:export", args=["csv"]))
        parts = [part async for part in response.streaming_content]
        return response, b"".join(parts)

    response, body = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.is_async  # a synchronous iterator would be gathered in memory first
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4
