"""Custom form fields of an order type: check and normalise what was entered.

One declaration per field kind (text, number, choice, date, device, attachment) that the
page form, the API and the demo data all go through. Errors name the field's key and say
why; nothing is saved until every field is valid.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from hotline.tickets.models import FieldKind, FormField

# What an order may carry, recognised by the file's first bytes, not by the name or the type
# the client declared: an SVG or an HTML page calling itself "image/png" would run scripts
# on our origin when opened.
SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/gif": ((0, b"GIF87a"), (0, b"GIF89a")),
    "image/webp": ((8, b"WEBP"),),
    "image/heic": ((4, b"ftypheic"), (4, b"ftypheix"), (4, b"ftypmif1"), (4, b"ftyphevc")),
    "application/pdf": ((0, b"%PDF-"),),
}


# The extensions a file of each type may keep; a name without one gets the first.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "application/pdf": (".pdf",),
}


def name_for_type(name: str, content_type: str) -> str:
    """``name`` ending in an extension of ``content_type``: a PDF named "x.pdf.exe" is
    downloaded as "x.pdf.pdf", not as a program; a PNG named "x.jpg" as "x.png"."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in extensions:
        return name
    return f"{stem if dot and stem else name}{extensions[0]}"


def sniff_type(head: bytes) -> str:
    """The content type ``head`` (a file's first bytes) shows, or "" if none we accept."""
    for content_type, marks in SIGNATURES.items():
        if any(head[at : at + len(mark)] == mark for at, mark in marks):
            return content_type
    return ""


# Controls other than tab and line breaks, and bidirectional overrides (text displayed as
# something other than what is stored); PostgreSQL's jsonb refuses a NUL outright.
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A number field holds amounts and counts: beyond 10^±30 it is a typo or a probe.
MAX_EXPONENT = 30


@dataclass
class CleanedForm:
    data: dict[str, Any] = field(default_factory=dict)
    device_ids: list[int] = field(default_factory=list)
    files: list[tuple[str, UploadedFile]] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def check_upload(upload: UploadedFile, key: str) -> None:
    limit = settings.TICKETS["ATTACHMENT_MAX_BYTES"]
    if upload.size and upload.size > limit:
        message = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        raise ValidationError({key: ValidationError(message, code="file_too_large")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff_type(head)
    if not found:
        message = _("Only photos (JPEG, PNG, GIF, WebP, HEIC) and PDF files can be attached.")
        raise ValidationError({key: ValidationError(message, code="file_type")})
    upload.content_type = found  # stored and served as what the bytes are
    upload.name = name_for_type(upload.name or "", found)


def _clean_one(
    spec: FormField, value: Any, devices: dict[int, str], uploads: list[UploadedFile]
) -> Any:
    key = spec.key
    if spec.kind == FieldKind.TEXT:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValidationError({key: _("Expected text.")})
        text = str(value).strip()
        unsafe = _UNSAFE_TEXT.search(text)
        if unsafe is not None:
            raise ValidationError(
                {
                    key: _("Contains an invisible character (U+%(code)04X); remove it.")
                    % {"code": ord(unsafe.group())}
                }
            )
        if len(text) > spec.max_length:
            raise ValidationError({key: _("At most %(n)d characters.") % {"n": spec.max_length}})
        return text
    if spec.kind == FieldKind.NUMBER:
        if isinstance(value, bool):
            raise ValidationError({key: _("Enter a number.")})
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError({key: _("Enter a number.")}) from None
        # "1e999999999" is a Decimal too, but one that overflows as soon as it is rounded.
        if not number.is_finite() or abs(number.adjusted()) > MAX_EXPONENT:
            raise ValidationError({key: _("Enter a number.")})
        if spec.min_value is not None and number < spec.min_value:
            raise ValidationError({key: _("At least %(n)s.") % {"n": spec.min_value}})
        if spec.max_value is not None and number > spec.max_value:
            raise ValidationError({key: _("At most %(n)s.") % {"n": spec.max_value}})
        return str(number.normalize()) if number == number.to_integral() else str(number)
    if spec.kind == FieldKind.CHOICE:
        text = str(value).strip()
        if text not in spec.choice_list():
            raise ValidationError(
                {key: _("Choose one of: %(options)s.") % {"options": ", ".join(spec.choice_list())}}
            )
        return text
    if spec.kind == FieldKind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValidationError({key: _("Enter a date as YYYY-MM-DD.")}) from None
    if spec.kind == FieldKind.DEVICE:
        try:
            device_id = int(value)
        except (TypeError, ValueError):
            device_id = -1
        if device_id not in devices:
            raise ValidationError({key: _("Choose one of the customer's devices.")})
        return {"id": device_id, "label": devices[device_id]}
    if spec.kind == FieldKind.ATTACHMENT:
        for upload in uploads:
            check_upload(upload, key)
        return [upload.name for upload in uploads]
    raise ValidationError({key: _("Unknown field kind.")})


def clean_form(
    specs: list[FormField],
    raw: dict[str, Any],
    *,
    devices: dict[int, str] | None = None,
    files: dict[str, list[UploadedFile]] | None = None,
) -> CleanedForm:
    """Check ``raw`` (field key → value) against ``specs``; collect every error at once.

    ``devices`` maps the customer's device ids to labels (the picker's choices); ``files``
    maps a field key to the uploads for it. Keys not in the form are refused, so a typo in
    an API client's field name is an error rather than silently dropped data.
    """
    devices = devices or {}
    files = files or {}
    cleaned = CleanedForm()
    errors: dict[str, list[str]] = {}
    known = {spec.key for spec in specs}
    for key in sorted(set(raw) - known):
        errors[key] = [_("This order type has no field %(key)s.") % {"key": key}]
    for spec in specs:
        value = raw.get(spec.key)
        uploads = files.get(spec.key, []) if spec.kind == FieldKind.ATTACHMENT else []
        if spec.kind == FieldKind.ATTACHMENT and not _blank(value):
            # A value where a file belongs (an API body's "photo": "x.jpg") was ignored
            # under a 201: files come as uploads (the API's attachments endpoint).
            errors[spec.key] = [
                _("A file is uploaded, not given as a value: attach it to the order.")
            ]
            continue
        empty = not uploads if spec.kind == FieldKind.ATTACHMENT else _blank(value)
        if empty:
            if spec.required:
                errors[spec.key] = [_("This field is required.")]
            continue
        try:
            result = _clean_one(spec, value, devices, uploads)
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        cleaned.data[spec.key] = result
        if spec.kind == FieldKind.DEVICE:
            cleaned.device_ids.append(result["id"])
        if spec.kind == FieldKind.ATTACHMENT:
            cleaned.files.extend((spec.key, upload) for upload in uploads)
    if errors:
        raise ValidationError(errors)
    return cleaned
