"""Forms of the switchboard's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.telephony.models import CallRecord
from hotline.widgets import DateInput


class CallLogFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *CallRecord.State.choices]
    )
    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=[("", _("All queues"))])
    number = forms.RegexField(
        label=_("Number"),
        required=False,
        max_length=20,
        regex=r"^\d+$",
        error_messages={"invalid": _("Digits only: the number or its last digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 12}),
    )
    agent = forms.CharField(label=_("Agent"), required=False, max_length=150)
    recorded = forms.BooleanField(label=_("With recording"), required=False)

    def __init__(self, *args: Any, queues: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = [("", _("All queues")), *sorted((queues or {}).items())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
