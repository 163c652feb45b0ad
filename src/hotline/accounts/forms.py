from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import AuditEntry, User
from hotline.typed_text import PlainTextValidator
from hotline.widgets import DateInput


class AuditFilterForm(forms.Form):
    SIGN_INS = "sign_in"
    EVERYTHING = "all"

    category = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Changes and reads")),
            (SIGN_INS, _("Sign-ins and sign-outs")),
            (EVERYTHING, _("Everything")),
        ],
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEntry.Action.choices],
    )
    model = forms.ChoiceField(
        label=_("Object type"), required=False, choices=[("", _("All types"))]
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, models: list[tuple[str, str]] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("All types")), *(models or [])]

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z)
        self.fields["time_zone"].choices = [(z, z) for z in zones]
        # Colleagues read the name on orders, calls and the team board.
        name = self.fields["display_name"]
        name.validators.append(PlainTextValidator(name.label))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the current password checked as a sign-in is: a wrong one counts
    towards the login lock-out (django-axes), and a locked-out user is refused. Django's own
    check is unthrottled, so whoever held a signed-in browser could guess the password
    without limit, then change it and keep the account."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kwargs: Any):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        signed_in = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if signed_in is None or signed_in.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
