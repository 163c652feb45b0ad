from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Add a note (Ctrl+Enter saves)")}),
    )


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(label=_("Duplicate customer number"), min_value=1)
