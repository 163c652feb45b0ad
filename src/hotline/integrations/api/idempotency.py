"""``Idempotency-Key`` for writes a client may retry.

Same key + same request → the first answer again, without doing the work twice.
Same key + a different request → 409 ``idempotency_conflict``.

The key is claimed by inserting its record in the same transaction as the work, so two
concurrent retries cannot both do it: the second insert waits on the unique index and then
fails, and that request replays the first one's answer. A new key costs no read: the claim
comes first and only a used key is looked up. A failed request rolls back its
claim, so the client may retry with the same key. Records expire after a day.

A key belongs to the token that used it (a browser session: to the user): another token,
even of the same client, neither sees its answer nor collides with it. The stored answer is
the body sent the first time; a replay passes it through the view's ``present`` so that what
the caller may see is decided again now (masking re-applied, an unmasked read audited).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from hotline.integrations.api.errors import IdempotencyConflict
from hotline.integrations.api.permissions import may_unmask, token_of
from hotline.integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
LIFETIME = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _owner(request: Request) -> str:
    token = token_of(request)
    if token is not None:
        return f"token:{token.pk}"
    return f"user:{request.user.pk}"


def idempotency_key(request: Request) -> str:
    """The request's key ("" without one); a key that is too long is refused, never cut."""
    key = (request.headers.get(HEADER) or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {
                HEADER: [
                    exceptions.ErrorDetail(
                        _("At most %(max)d characters.") % {"max": MAX_KEY_LENGTH},
                        code="max_length",
                    )
                ]
            }
        )
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in key):
        raise exceptions.ValidationError(
            {HEADER: [exceptions.ErrorDetail(_("No control characters."), code="invalid")]}
        )
    return key


def _plain(value: Any) -> Any:
    """JSON for what a parsed body may hold besides JSON: an uploaded file counts by its
    name, size and content, so the same key with another file is a conflict, not a replay."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{value.name}:{value.size}:{digest.hexdigest()}"
    return str(value)


def _fingerprint(request: Request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a multipart QueryDict: every value of every field
        data = {key: values for key, values in data.lists()}
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=_plain)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


Present = Callable[[Any], Any]


def _replay(record: IdempotencyRecord, fingerprint: str, present: Present | None) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict()
    data = present(record.response) if present is not None else record.response
    response = Response(data, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    request: Request, run: Callable[[], Response], *, present: Present | None = None
) -> Response:
    """Run ``run`` once per ``Idempotency-Key`` (if the request has one) and store its answer.

    ``present(stored_body) -> body`` shapes a replayed answer for the caller (masking).
    """
    key = idempotency_key(request)
    log = getattr(request, "hotline_log_write", None)
    if not key:
        with transaction.atomic():
            response = run()
            if log is not None and 200 <= response.status_code < 300:
                log(response)
            return response
    owner = _owner(request)
    fingerprint = _fingerprint(request)
    now = timezone.now()
    for _attempt in range(2):
        try:
            # The claim is the first write: a key already used fails it on the unique index
            # (a concurrent retry waits there until the first request commits).
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, expires_at=now + LIFETIME
                )
                response = run()
                if 200 <= response.status_code < 300:
                    record.status_code = response.status_code
                    record.response = response.data
                    record.save(update_fields=["status_code", "response"])
                    if log is not None:
                        # The request log line commits with the change (one write, not two).
                        log(response)
                else:
                    transaction.set_rollback(True)
                return response
        except IntegrityError:
            stored = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if stored is None:
                raise
            if stored.expires_at > now:
                # Used before (or by a concurrent request that committed first): its answer.
                return _replay(stored, fingerprint, present)
            # An expired record the purge has not reached yet: the key is free again.
            IdempotencyRecord.objects.filter(pk=stored.pk, expires_at__lte=now).delete()
    raise IdempotencyConflict()


def idempotency_records_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete expired records; return how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def masked_on_replay(
    request: Request,
    *,
    mask: Callable[[dict[str, Any]], dict[str, Any]],
    model: Any,
    repr_key: str,
    fields: str,
) -> Callable[[Any], Any]:
    """How a replayed answer is shown to ``request``'s caller, decided now: the stored answer
    is what the first call saw, so a caller who may not unmask (now) gets it through
    ``mask``; one who may gets it as stored, and if that shows personal data unmasked the
    read is audited like any other."""
    from hotline.audit.record import audit_record

    def present(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        masked = mask(data)
        if not may_unmask(request):
            return masked
        if masked != data:
            audit_record(
                action="reveal",
                model=model._meta.label_lower,
                object_id=str(data.get("id", "")),
                object_repr=str(data.get(repr_key, ""))[:200],
                changes={"field": fields, "via": "api", "replay": True},
            )
        return data

    return present
