"""Text the system writes into stored records, shown in each reader's language (decision 0022).

A history line written by a timer at night, or a timeline entry written while an English
speaker was signed in, is read later by people who use the other language. So the system's
own sentences are stored as their message and arguments::

    stored(gettext_noop("Resolution due at %(due)s."), due=ticket.resolution_due_at)

and turned into words when read (``render``), in the reader's language and time zone. The
record also keeps the sentence in the site's language (``in_site_language``): exports,
searches and older readers use that, and it is what ``render`` falls back on.

Arguments may be plain values, datetimes (shown in the reader's time zone), other stored
messages (a phrase inside a sentence), ``labels(zh, en)`` (a configured bilingual label) or
``joined(...)`` (sentences one after the other).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_noop as N_

__all__ = ["N_", "Stored", "in_site_language", "joined", "labels", "render", "stored"]

Stored = dict[str, Any]


def _argument(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"at": value.isoformat()}
    if isinstance(value, dict) or value is None or isinstance(value, int | float | bool):
        return value
    return str(value)


def stored(msgid: str, /, *, context: str = "", **args: Any) -> Stored:
    """A sentence to store: ``msgid`` (marked with ``gettext_noop`` so that ``make messages``
    finds it) and its arguments."""
    message: Stored = {"msg": msgid, "args": {key: _argument(v) for key, v in args.items()}}
    if context:
        message["ctx"] = context
    return message


def labels(label_zh: str, label_en: str) -> Stored:
    """A configured record's bilingual label, shown in the reader's language."""
    return {"zh": label_zh or "", "en": label_en or ""}


def joined(*parts: Stored | str) -> Stored:
    """Sentences shown one after the other, separated by a space."""
    return {"join": [p if isinstance(p, dict) else str(p) for p in parts if p]}


def render(value: Any, fallback: str = "") -> str:
    """``value`` in the active language and time zone; ``fallback`` when it is empty or cannot
    be read (a message whose arguments no longer fit it)."""
    if not value:
        return fallback
    try:
        return _render(value)
    except (KeyError, TypeError, ValueError):
        return fallback


def _render(value: Any) -> str:
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if "msg" in value:
        msgid = str(value["msg"])
        text = pgettext(value["ctx"], msgid) if value.get("ctx") else gettext(msgid)
        args = value.get("args") or {}
        return text % {key: _shown(arg) for key, arg in args.items()} if args else text
    if "join" in value:
        return " ".join(_render(part) for part in value["join"] if part)
    if "at" in value:
        moment = parse_datetime(str(value["at"]))
        if moment is None:
            raise ValueError(value["at"])
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if "zh" in value or "en" in value:
        from hotline.accounts.models import bilingual_label

        return bilingual_label(str(value.get("zh") or ""), str(value.get("en") or ""))
    raise ValueError(value)


def _shown(arg: Any) -> Any:
    # Numbers stay numbers for %(n)d; everything else is words.
    if isinstance(arg, bool) or not isinstance(arg, int | float):
        return _render(arg)
    return arg


def in_site_language(value: Stored) -> str:
    """``value`` in the site's language and time zone: the text kept on the record."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        return _render(value)
