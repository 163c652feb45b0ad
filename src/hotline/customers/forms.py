"""Forms of the customer pages. Each customer field comes from ``customers.fields``, so a
form checks exactly what the API and the import check; the services check it again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.customers import fields
from hotline.customers.models import Customer, CustomerPhone
from hotline.typed_text import PlainTextField


class NoteForm(forms.Form):
    # Control and text-direction characters are refused as the API's note refuses them.
    body = PlainTextField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Add a note (Ctrl+Enter saves)")}),
    )


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(label=_("Duplicate customer number"), min_value=1)


def _kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=fields.KIND.label, choices=Customer.Kind.choices)


class _RegionChoiceField(forms.TypedChoiceField):
    """A region from the tree of the user's regions (indented by level)."""

    def __init__(self, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(
            label=_("Region"),
            choices=[("", "—"), *choices],
            coerce=int,
            **kwargs,
        )


class ContactForm(forms.Form):
    """Name, kind and ID-card number (inline on the customer page)."""

    name = fields.NAME.formfield(widget=forms.TextInput(attrs={"autofocus": True}))
    kind = _kind_field()
    id_number = fields.ID_NUMBER.formfield()

    def __init__(self, *args: Any, masked_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if masked_id:
            # The number is not shown to a role that may not unmask it: blank keeps it.
            self.fields["id_number"].widget.attrs["placeholder"] = masked_id
            self.fields["id_number"].help_text = _("Leave blank to keep the current number.")


class AddressForm(forms.Form):
    """Region and the structured address (inline on the customer page)."""

    street = fields.STREET.formfield(widget=forms.TextInput(attrs={"autofocus": True}))
    compound = fields.COMPOUND.formfield()
    building = fields.BUILDING.formfield(widget=forms.TextInput(attrs={"size": 5}))
    unit = fields.UNIT.formfield(widget=forms.TextInput(attrs={"size": 4}))
    room = fields.ROOM.formfield(widget=forms.TextInput(attrs={"size": 6}))
    address = fields.ADDRESS.formfield(
        help_text=_("Leave as it is to have it follow the parts above."),
        widget=forms.TextInput(attrs={"size": 40}),
    )

    def __init__(self, *args: Any, regions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = _RegionChoiceField(regions)
        self.order_fields(["region"])


class PhoneForm(forms.Form):
    number = fields.PHONE.formfield(
        label=_("Number"), widget=forms.TextInput(attrs={"inputmode": "tel", "size": 14})
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=CustomerPhone.Kind.choices, initial=CustomerPhone.Kind.MOBILE
    )


class _PhoneRows(forms.BaseFormSet):
    """More rows than a customer may have numbers are refused before any row is built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, "too_many_forms": fields.too_many_phones()}


PhoneFormSet = forms.formset_factory(
    PhoneForm,
    formset=_PhoneRows,
    extra=3,
    max_num=6,
    absolute_max=fields.MAX_PHONES,
)


class CustomerCreateForm(forms.Form):
    """Everything an agent types for a new customer, phones apart (``PhoneFormSet``)."""

    name = fields.NAME.formfield(widget=forms.TextInput(attrs={"autofocus": True}))
    kind = _kind_field()
    id_number = fields.ID_NUMBER.formfield()
    street = fields.STREET.formfield()
    compound = fields.COMPOUND.formfield()
    building = fields.BUILDING.formfield(widget=forms.TextInput(attrs={"size": 5}))
    unit = fields.UNIT.formfield(widget=forms.TextInput(attrs={"size": 4}))
    room = fields.ROOM.formfield(widget=forms.TextInput(attrs={"size": 6}))
    address = fields.ADDRESS.formfield(
        help_text=_("Optional: made from the parts above when left blank."),
        widget=forms.TextInput(attrs={"size": 40}),
    )
    accounts = forms.CharField(
        label=_("Service accounts"),
        required=False,
        help_text=_("Billing account numbers, separated by spaces or commas."),
        widget=forms.TextInput(attrs={"size": 30, "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, regions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = _RegionChoiceField(regions)
        self.order_fields(["name", "kind", "id_number", "region"])

    def clean_accounts(self) -> list[str]:
        text = self.cleaned_data.get("accounts") or ""
        return [part for part in text.replace("，", ",").replace(",", " ").split() if part]
