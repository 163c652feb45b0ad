"""Highlighted titles and snippets, computed in Python so both databases show the same."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from hotline.knowledge.search import segment

SNIPPET_CHARS = 110


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not unique:
        return None
    return re.compile("|".join(re.escape(w) for w in unique), re.IGNORECASE)


def _mark(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)


def pinyin_words(text: str, codes: Iterable[str]) -> list[str]:
    """Words of ``text`` whose pinyin initials are one of ``codes`` ("jdh" → 机顶盒)."""
    wanted = {c for c in codes if segment.is_ascii_word(c)}
    if not wanted:
        return []
    return [t for t in segment.index_tokens(text) if segment.initials(t) in wanted]


class Marker:
    """Marks ``words`` in texts (the pattern is compiled once per search)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.pattern = _pattern(words)

    def highlight(self, text: str) -> SafeString:
        """``text`` escaped, with every occurrence of the words in ``<mark>``."""
        text = unicodedata.normalize("NFKC", text or "")
        return mark_safe(_mark(text, self.pattern))  # noqa: S308  (escaped piece by piece)

    def snippet(self, text: str, *, chars: int = SNIPPET_CHARS) -> SafeString:
        """A window of ``text`` around the first match, matches marked; the start otherwise."""
        text = unicodedata.normalize("NFKC", text or "").replace("\n", " · ")
        first = self.pattern.search(text) if self.pattern else None
        start = 0 if first is None else max(0, first.start() - chars // 4)
        end = min(len(text), start + chars)
        start = max(0, min(start, end - chars))
        piece = _mark(text[start:end], self.pattern)
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(text) else ""
        return mark_safe(f"{prefix}{piece}{suffix}")  # noqa: S308


def highlight(text: str, words: Iterable[str]) -> SafeString:
    return Marker(words).highlight(text)


def snippet(text: str, words: Iterable[str], *, chars: int = SNIPPET_CHARS) -> SafeString:
    return Marker(words).snippet(text, chars=chars)
