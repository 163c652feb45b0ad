"""The browser's date pickers get ISO values in every language."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from hotline.accounts.forms import AuditFilterForm
from hotline.accounts.models import Region
from hotline.knowledge.forms import SearchForm
from hotline.routing.forms import CallLogFilterForm
from hotline.tickets.forms import AreaFaultForm
from hotline.tickets.views.reports import PeriodForm

DAY = datetime.date(2026, 11, 1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_fields_render_an_iso_value_the_date_picker_accepts(language, db):
    forms = [
        PeriodForm(initial={"start": DAY, "end": DAY}, regions=Region.objects.none()),
        CallLogFilterForm(initial={"date_from": DAY, "date_to": DAY}),
        AuditFilterForm(initial={"date_from": DAY, "date_to": DAY}),
        SearchForm(initial={"date_from": DAY, "date_to": DAY}),
    ]
    with translation.override(language):
        for form in forms:
            html = str(form)
            assert 'type="date"' in html
            assert 'value="2026-11-01"' in html, type(form).__name__
            assert "2026/11/01" not in html


def test_a_datetime_field_renders_the_value_datetime_local_takes(db):
    at = datetime.datetime(2026, 11, 24, 20, 30)
    form = AreaFaultForm(initial={"expected_end_at": at}, regions=Region.objects.none())
    with translation.override("zh-hans"):
        assert 'value="2026-11-24T20:30"' in str(form["expected_end_at"])
