"""Figures for managers: the page with ECharts charts, its Excel export, the fee settlement."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from hotline.accounts.models import Region, bilingual_label
from hotline.customers.spreadsheets import cell_value
from hotline.tickets.apps import REPORTS, SETTLEMENT
from hotline.tickets.reports import Period, figures
from hotline.tickets.services.fees import settlement_rows
from hotline.tickets.views.board import _regions
from hotline.widgets import DateInput

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), widget=DateInput())
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("All regions"),
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 366:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, Period, Region | None]:
    default = Period.this_month()
    data = request.GET if request.GET.get("start") else None
    form = PeriodForm(
        data,
        regions=_regions(request.user),
        initial={"start": default.start, "end": default.end},
    )
    if data is not None and form.is_valid():
        return (
            form,
            Period(form.cleaned_data["start"], form.cleaned_data["end"]),
            form.cleaned_data["region"],
        )
    return form, default, None


@permission_required(REPORTS, raise_exception=True)
def reports(request: HttpRequest) -> HttpResponse:
    form, period, region = _period(request)
    data = figures(request.user, period, region)
    charts = {
        "on_time": {
            "policies": [row["policy"] for row in data["on_time"]],
            "resolution": [row["resolution_rate"] for row in data["on_time"]],
            "closure": [row["closure_rate"] for row in data["on_time"]],
            "labels": [str(_("Resolved on time %")), str(_("Loop closed on time %"))],
        },
        "by_type": [
            {"name": _type_label(row), "value": row["n"]} for row in data["volumes"]["by_type"]
        ],
        "by_region": {
            "names": [row["name"] for row in data["volumes"]["by_region"]],
            "values": [row["n"] for row in data["volumes"]["by_region"]],
        },
    }
    return render(
        request,
        "tickets/reports.html",
        {
            "form": form,
            "data": data,
            "charts": charts,
            "query": request.GET.urlencode(),
            "can_settle": request.user.has_perm(SETTLEMENT),
            "month": timezone.localdate().replace(day=1) - datetime.timedelta(days=1),
        },
    )


def _type_label(row: dict[str, Any]) -> str:
    """An order type's name in the reader's language (the figures' rows carry both)."""
    return bilingual_label(row["order_type__label_zh"], row["order_type__label_en"])


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([cell_value(v) for v in row])


def _xlsx(book: Workbook, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required(REPORTS, raise_exception=True)
def reports_export(request: HttpRequest) -> HttpResponse:
    _form, period, region = _period(request)
    data = figures(request.user, period, region)
    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        _("On time"),
        [
            _("SLA policy"),
            _("Target"),
            _("Resolved"),
            _("On time"),
            "%",
            _("Loop closed"),
            _("On time"),
            "%",
        ],
        [
            [
                r["policy"],
                r["target"],
                r["resolved"],
                r["resolved_on_time"],
                r["resolution_rate"],
                r["closed"],
                r["closed_on_time"],
                r["closure_rate"],
            ]
            for r in data["on_time"]
        ],
    )
    repeat = data["repeat"]
    _sheet(
        book,
        _("Repeat repairs"),
        [_("Orders"), _("Repeat repairs"), "%"],
        [[repeat["n"], repeat["repeats"], repeat["rate"]]],
    )
    volumes = data["volumes"]
    _sheet(
        book,
        _("By type"),
        [_("Order type"), _("Orders")],
        [[_type_label(r), r["n"]] for r in volumes["by_type"]],
    )
    _sheet(
        book,
        _("By region"),
        [_("Region"), _("Orders")],
        [[r["name"], r["n"]] for r in volumes["by_region"]],
    )
    _sheet(
        book,
        _("By state"),
        [_("State"), _("Orders")],
        [[r["label"], r["n"]] for r in volumes["by_state"]],
    )
    _sheet(
        book,
        _("Technicians"),
        [_("Technician"), _("Resolved"), _("On time %"), _("Repeat repairs %"), _("Hours to site")],
        [
            [
                r["technician"],
                r["resolved"],
                r["on_time_rate"],
                r["repeat_rate"],
                r["hours_to_site"],
            ]
            for r in data["technicians"]
        ],
    )
    return _xlsx(book, f"work-orders-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx")


def _district(region: Region | None) -> str:
    return region.parent.name if region is not None and region.parent is not None else ""


@permission_required(SETTLEMENT, raise_exception=True)
def settlement_export(request: HttpRequest) -> HttpResponse:
    """The month's charges per service outlet (the order's station) and fee item."""
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        datetime.date(year, month, 1)
    except (ValueError, OverflowError):  # a year too large for a date is no month either
        last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        year, month = last.year, last.month
    rows = settlement_rows(user=request.user, year=year, month=month)
    book = Workbook()
    book.remove(book.active)
    regions = {r.path: r for r in Region.objects.select_related("parent")}
    _sheet(
        book,
        f"{year}-{month:02d}",
        [
            _("District"),
            _("Service outlet"),
            _("Fee item"),
            _("Orders"),
            _("Quantity"),
            _("Amount"),
        ],
        [
            [
                _district(regions.get(r["ticket__region__path"])),
                r["ticket__region__name"],
                bilingual_label(r["fee_item__label_zh"], r["fee_item__label_en"]),
                r["orders"],
                r["quantity"],
                float(r["amount"]),
            ]
            for r in rows
        ],
    )
    return _xlsx(book, f"settlement-{year}{month:02d}.xlsx")
