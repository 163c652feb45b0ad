"""Post an admin change form back as a browser would, from the form the page rendered."""

from __future__ import annotations

import datetime

from django import forms


def form_data(form: forms.BaseForm) -> dict:
    """The POST data a browser would send for ``form`` as rendered, untouched."""
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        widget = getattr(field.widget, "widget", field.widget)  # admin's related-field wrapper
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                if isinstance(part, datetime.time):
                    part = part.strftime("%H:%M:%S")
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    return data
