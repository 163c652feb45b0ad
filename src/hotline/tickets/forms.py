"""Page forms. They render widgets and carry what was typed; the services check it (one set
of rules for pages, API and imports) and their errors are put back on the fields here. Typed
text is refused here when it holds control or text-direction characters, as the API's text
fields refuse it (``hotline.typed_text``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region, Technician
from hotline.catalog.models import StatisticItem
from hotline.tickets.models import FeeItem, FieldKind, FormField, OrderType, Priority
from hotline.tickets.workflow import OPEN_STATES, State
from hotline.typed_text import PlainTextField
from hotline.widgets import DateTimeLocalInput, RegionTreeCheckboxes

FIELD_PREFIX = "f_"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _widget(spec: FormField, devices: dict[int, str]) -> forms.Field:
    label = spec.label
    if spec.kind == FieldKind.CHOICE:
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), *[(c, c) for c in spec.choice_list()]],
        )
    if spec.kind == FieldKind.DEVICE:
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), *[(str(pk), text) for pk, text in devices.items()]],
        )
    if spec.kind == FieldKind.NUMBER:
        return PlainTextField(
            label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
        )
    if spec.kind == FieldKind.DATE:
        return PlainTextField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if spec.kind == FieldKind.ATTACHMENT:
        return forms.FileField(
            label=label,
            required=False,
            widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"}),
        )
    return PlainTextField(label=label, required=False, max_length=spec.max_length)


class OpenForm(forms.Form):
    """The order form of one order type; custom fields are ``f_<key>``."""

    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ModelChoiceField(
        label=_("Fault category"), queryset=StatisticItem.objects.none(), required=False
    )
    contact_name = PlainTextField(label=_("Contact"), max_length=100, required=False)
    contact_phone = PlainTextField(label=_("Contact phone"), max_length=30, required=False)
    address = PlainTextField(label=_("Address"), max_length=300, required=False)
    description = PlainTextField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self,
        *args: Any,
        order_type: OrderType,
        specs: list[FormField],
        devices: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order_type = order_type
        self.specs = specs
        self.fields["priority"].initial = order_type.default_priority
        items = StatisticItem.objects.active().for_orders()
        if order_type.statistic_item_id:
            items = items.filter(pk=order_type.statistic_item_id) | items.filter(
                parent_id=order_type.statistic_item_id
            )
        self.fields["category"].queryset = items.order_by("sort_order", "code")
        self.fields["category"].initial = order_type.statistic_item_id
        for spec in specs:
            field = _widget(spec, devices)
            if spec.required:
                field.widget.attrs["required"] = True
                field.label = f"{field.label} *"
            self.fields[FIELD_PREFIX + spec.key] = field

    def custom_values(self) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        """(raw custom values by key, uploads by key) for ``ticket_open``."""
        values: dict[str, Any] = {}
        files: dict[str, list[Any]] = {}
        for spec in self.specs:
            name = FIELD_PREFIX + spec.key
            if spec.kind == FieldKind.ATTACHMENT:
                files[spec.key] = self.files.getlist(name) if self.files else []
            else:
                value = self.data.get(name, "")
                if value not in ("", None):
                    values[spec.key] = value
        return values, files

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            name = FIELD_PREFIX + key[5:] if key.startswith("form.") else key
            self.add_error(name if name in self.fields else None, messages)


class NoteForm(forms.Form):
    note = PlainTextField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=Technician.objects.none(), required=False
    )
    note = PlainTextField(label=_("Reason or note"), required=False, max_length=500)

    def __init__(self, *args: Any, technicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians


class ResolveForm(forms.Form):
    note = PlainTextField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    parts_used = PlainTextField(
        label=_("Parts used"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirmation_code = PlainTextField(
        label=_("Customer's confirmation code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class VerifyForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Customer satisfied"),
        choices=[("", "—"), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    note = PlainTextField(label=_("Note"), required=False, max_length=500)


class ChargeForm(forms.Form):
    fee_item = forms.ModelChoiceField(
        label=_("Fee item"), queryset=FeeItem.objects.filter(active=True)
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)


class BoardFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All regions"),
    )
    state = forms.MultipleChoiceField(
        label=_("State"),
        choices=[(s, State(s).label) for s in State.values if s in OPEN_STATES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    order_type = forms.ModelChoiceField(
        label=_("Order type"),
        queryset=OrderType.objects.filter(active=True),
        required=False,
        empty_label=_("All types"),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", "—"), *Priority.choices], required=False
    )
    risk = forms.ChoiceField(
        label=_("SLA"),
        choices=[
            ("", "—"),
            ("breached", _("Overdue")),
            ("at_risk", _("At risk")),
            ("ok", _("On track")),
        ],
        required=False,
    )
    unassigned = forms.BooleanField(label=_("Without technician"), required=False)
    q = forms.CharField(label=_("Number"), required=False, max_length=20)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class AreaFaultForm(forms.Form):
    title = PlainTextField(label=_("Title"), max_length=200)
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.none(),
        widget=RegionTreeCheckboxes(),
        help_text=_("A region covers the regions below it: tick a district for all its stations."),
    )
    cause = PlainTextField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_end_at = forms.DateTimeField(
        label=_("Expected repair"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = regions
