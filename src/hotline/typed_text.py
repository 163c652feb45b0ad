"""Text typed into a page, checked by the same rule as the API's text fields.

Controls other than tab and line breaks, and text-direction overrides, make a note or an
address display as something other than what is stored ("Trojan Source"); the API refuses
them (``integrations/api/serializers.TextField``) and so do the pages, through
``customers.fields.text_problem``. The message names the field, because some pages show it
above the form after a redirect rather than under the field.

Three ways in: ``PlainTextField`` for a page's form, ``check_texts`` for a service that is the
one door of its object (pages, API, demo), and ``PlainTextAdmin`` for the admin site's forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hotline.customers.fields import UNSAFE_TEXT, text_problem


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


def check_texts(texts: Mapping[str, tuple[Any, Any]]) -> None:
    """Refuse ``{name: (label, value)}`` as one ``ValidationError`` keyed by field name, with
    every value that holds a control or text-direction character named (not text: skipped)."""
    errors = {
        name: error
        for name, (label, value) in texts.items()
        if isinstance(value, str) and (error := text_error(value, label)) is not None
    }
    if errors:
        raise ValidationError(errors)


def without_unsafe_text(value: str) -> str:
    """``value`` without the characters ``text_error`` refuses (line breaks and tabs stay):
    for text the server already rewrites, such as sanitised HTML."""
    return UNSAFE_TEXT.sub(_keep_line_breaks, value) if value else value


def _keep_line_breaks(match: re.Match[str]) -> str:
    return match.group() if match.group() in "\t\n\r" else ""


class PlainTextValidator:
    """A form field's validator: its text holds no control or text-direction character."""

    def __init__(self, label: Any) -> None:
        self.label = label

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and (error := text_error(value, self.label)) is not None:
            raise error


class PlainTextAdmin:
    """For a ``ModelAdmin`` or an inline: every text field of its forms refuses control and
    text-direction characters, under the field, as the pages and the API do. Labels, names and
    descriptions typed in the admin (statistic items, order types and their form fields,
    queues, teams) are shown to every agent."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if isinstance(formfield, forms.CharField) and not isinstance(
            formfield.widget, forms.PasswordInput
        ):
            formfield.validators.append(PlainTextValidator(formfield.label))
        return formfield
