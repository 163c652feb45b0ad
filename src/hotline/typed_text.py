"""Text typed into a page, checked by the same rule as the API's text fields.

Controls other than tab and line breaks, and text-direction overrides, make a note or an
address display as something other than what is stored ("Trojan Source"); the API refuses
them (``integrations/api/serializers.TextField``) and so do the pages, through
``customers.fields.text_problem``. The message names the field, because some pages show it
above the form after a redirect rather than under the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hotline.customers.fields import text_problem


def text_error(value: str, label: Any) -> ValidationError | None:
    """The error for ``value`` typed into the field labelled ``label``, or None if it is
    plain text."""
    problem = text_problem(value, multiline=True)
    if problem is None:
        return None
    message = _("%(field)s: %(message)s") % {"field": label, "message": problem.message}
    return ValidationError(message, code=problem.code)


class PlainTextField(forms.CharField):
    """A ``CharField`` that refuses control and text-direction characters."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        label = str(self.label or "").removesuffix(" *")
        error = text_error(value or "", label) if isinstance(value, str) else None
        if error is not None:
            raise error


def posted_text(data: Mapping[str, Any], name: str, label: Any) -> str:
    """``data[name]`` (a form's value read without a form), refused as a field error of
    ``name`` when it holds a control or text-direction character."""
    value = data.get(name, "") or ""
    error = text_error(value, label)
    if error is not None:
        raise ValidationError({name: error})
    return value
