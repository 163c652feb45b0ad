"""Forms of the customer import: the upload and the column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.customers.imports.mapping import FIELDS
from hotline.customers.imports.reading import ENCODING_CHOICES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"), choices=ENCODING_CHOICES, required=False
    )


def column_label(index: int, title: str) -> str:
    """'C: 身份证号' — the spreadsheet letter of the column, then its header."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}: {title}" if title else letters


class ImportMappingForm(forms.Form):
    """One choice per Hotline field: which column of the file holds it (or none)."""

    def __init__(self, *args: Any, header: list[str], mapping: dict[str, int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        columns = [(str(i), column_label(i, title)) for i, title in enumerate(header)]
        for field in FIELDS:
            initial = mapping.get(field.key)
            self.fields[field.key] = forms.ChoiceField(
                label=field.label,
                choices=[("", _("— not in the file —")), *columns],
                required=field.required,
                initial="" if initial is None else str(initial),
            )

    def mapping(self) -> dict[str, int]:
        return {key: int(value) for key, value in self.cleaned_data.items() if value != ""}
