"""The API's JSON parser: bodies up to a size limit and a nesting depth, else a clear error.

DRF's own parser reads the whole stream whatever its size, and a deep enough body ends in
``RecursionError`` (a 500) in the parser or in whatever walks the data next. Here a body over
``settings.DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 ``request_too_large`` (refused from its
``Content-Length`` before it is read, or after reading one byte past the limit), and one nested
deeper than ``MAX_DEPTH`` is 400 ``parse_error``. A string escaping half of a surrogate pair
(``"\\ud800"``) is valid JSON but no text: it could be neither stored nor written back in an
answer (a 500 in the renderer), so it is 400 ``unpaired_surrogate``. An object naming a key
twice (``{"name": "a", "name": "b"}``) is 400 ``duplicate_key``: JSON leaves its meaning open,
and a proxy or log that reads the first while Hotline kept the last would see another request.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

from hotline.integrations.api.errors import (
    DuplicateKey,
    NestingTooDeep,
    RequestTooLarge,
    UnpairedSurrogate,
)

MAX_DEPTH = 32  # also in MESSAGES["nesting_too_deep"]


def body_limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def nesting_depth(data: Any) -> int:
    """How deep lists and dicts nest in ``data`` (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_unpaired_surrogate(data: Any) -> bool:
    """Whether a string (or a key) anywhere in ``data`` holds half a surrogate pair."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class LimitedJSONParser(BaseParser):
    """JSON bodies, read from the request stream up to the limit.

    Not a subclass of DRF's ``JSONParser``: DRF hands those ``request.body``, which Django
    reads whole before its own size check fails with a 500.
    """

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> Any:
        parser_context = parser_context or {}
        limit = body_limit()
        if _declared_length(parser_context.get("request")) > limit:
            raise RequestTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        parse_constant = strict_constant if api_settings.STRICT_JSON else None
        try:
            data = json.loads(
                codecs.decode(raw, encoding),
                parse_constant=parse_constant,
                object_pairs_hook=_object_without_duplicate_keys,
            )
        except RecursionError:
            raise NestingTooDeep() from None
        except (ValueError, LookupError) as exc:  # UnicodeDecodeError is a ValueError
            raise exceptions.ParseError(str(exc)) from None
        if nesting_depth(data) > MAX_DEPTH:
            raise NestingTooDeep()
        if has_unpaired_surrogate(data):
            raise UnpairedSurrogate()
        return data


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise DuplicateKey()
    return data


def _declared_length(request: Any) -> int:
    meta = getattr(request, "META", None) or {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0
