"""What an agent typed, as a query both databases answer the same way.

A query is a conjunction of terms; each term is a disjunction of alternatives; each
alternative is a conjunction of tokens (or one pinyin-initials code). For "机顶盒 重启" with
the synonym group 机顶盒 / 盒子 / STB:

    (机顶盒 OR 机顶 AND 顶盒 OR 盒子 OR stb) AND (重启)

A Latin-letter token also finds the pinyin initials indexed for Chinese words of titles and
tags ("jdh" → 机顶盒): they are one more column, so no special alternative is needed. The
query renders to an FTS5 MATCH expression (SQLite) and to a ``to_tsquery('simple', …)``
string (PostgreSQL) with the same meaning. Plain Python: no database here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.knowledge.search import segment

MAX_TERMS = 12


@dataclass(frozen=True)
class Alternative:
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    text: str
    alternatives: tuple[Alternative, ...]
    highlight: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self) -> str:
        """The FTS5 MATCH expression."""

        def alternative(alt: Alternative) -> str:
            inner = " AND ".join(f'"{token}"' for token in alt.tokens)
            return f"({inner})" if len(alt.tokens) > 1 else inner

        return " AND ".join(
            "(" + " OR ".join(alternative(a) for a in term.alternatives) + ")"
            for term in self.terms
        )

    def tsquery(self) -> str:
        """The ``to_tsquery('simple', …)`` text."""

        def alternative(alt: Alternative) -> str:
            inner = " & ".join(f"'{token}'" for token in alt.tokens)
            return f"({inner})" if len(alt.tokens) > 1 else inner

        return " & ".join(
            "(" + " | ".join(alternative(a) for a in term.alternatives) + ")" for term in self.terms
        )

    def highlight_words(self) -> list[str]:
        """Strings to mark in titles and snippets, longest first."""
        words = {w for term in self.terms for w in term.highlight if w}
        return sorted(words, key=lambda w: (-len(w), w))


class Synonyms:
    """Synonym groups as the query parser uses them: normalised term → the group's terms."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self._groups: dict[str, tuple[str, ...]] = {}
        for group in groups:
            terms = tuple(dict.fromkeys(t.strip() for t in group if t and t.strip()))
            if len(terms) < 2:
                continue
            for term in terms:
                self._groups[_fold(term)] = terms
        # Longest first, so "机顶盒" wins over "盒" when both are terms.
        self._phrases = sorted(self._groups, key=lambda t: (-len(t), t))

    def group(self, term: str) -> tuple[str, ...]:
        return self._groups.get(_fold(term), ())

    def phrases(self) -> list[str]:
        return self._phrases

    def __len__(self) -> int:
        return len(self._groups)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def _alternatives_for_words(word: str) -> Alternative | None:
    tokens = tuple(segment.query_tokens(word))
    return Alternative(tokens) if tokens else None


def _token_term(token: str, synonyms: Synonyms) -> Term:
    alternatives: list[Alternative] = [Alternative((token,))]
    highlight: list[str] = [token]
    if len(token) >= 3 and segment.has_han(token):
        parts = tuple(segment.sub_words(token))
        if len(parts) >= 2:
            alternatives.append(Alternative(parts))
    for other in synonyms.group(token):
        alt = _alternatives_for_words(other)
        if alt and alt not in alternatives:
            alternatives.append(alt)
            highlight.append(other)
    return Term(text=token, alternatives=tuple(alternatives), highlight=tuple(highlight))


def _phrase_term(phrase: str, group: tuple[str, ...]) -> Term | None:
    alternatives: list[Alternative] = []
    for other in group:
        alt = _alternatives_for_words(other)
        if alt and alt not in alternatives:
            alternatives.append(alt)
    if not alternatives:
        return None
    return Term(text=phrase, alternatives=tuple(alternatives), highlight=(phrase, *group))


def parse(text: str, synonyms: Synonyms | None = None) -> SearchQuery:
    """Turn what the agent typed into a ``SearchQuery`` (empty when nothing is searchable).

    1. Synonym phrases in the text are taken whole (longest first), so a multi-word
       synonym is one term whatever the segmenter would make of it.
    2. The rest is cut in precise mode; each token becomes a term with its synonyms, its
       sub-words (for a long compound) and, for a Latin-letter token, pinyin initials.
    """
    synonyms = synonyms or Synonyms()
    folded = _fold(text)[:200]
    pieces: list[tuple[str, tuple[str, ...]]] = [(folded, ())]
    for phrase in synonyms.phrases():
        if not phrase or phrase not in folded:
            continue
        split: list[tuple[str, tuple[str, ...]]] = []
        for piece, group in pieces:
            if group or phrase not in piece:
                split.append((piece, group))
                continue
            parts = piece.split(phrase)
            for index, part in enumerate(parts):
                if index:
                    split.append((phrase, synonyms.group(phrase)))
                split.append((part, ()))
        pieces = split
    terms: list[Term] = []
    for piece, group in pieces:
        if group:
            term = _phrase_term(piece, group)
            if term:
                terms.append(term)
            continue
        for token in segment.query_tokens(piece):
            terms.append(_token_term(token, synonyms))
    unique: dict[tuple[Alternative, ...], Term] = {}
    for term in terms:
        unique.setdefault(term.alternatives, term)
    return SearchQuery(terms=tuple(list(unique.values())[:MAX_TERMS]))


_SPACE = re.compile(r"\s+")


def describe(query: SearchQuery) -> str:
    """A readable form for logs and tests: ``(机顶盒|盒子|stb) & (重启)``."""
    parts = []
    for term in query.terms:
        alts = []
        for alt in term.alternatives:
            alts.append("+".join(alt.tokens))
        parts.append("(" + "|".join(alts) + ")")
    return _SPACE.sub(" ", " & ".join(parts))


def synonyms_from_mapping(mapping: Mapping[str, Iterable[str]]) -> Synonyms:
    return Synonyms([[key, *values] for key, values in mapping.items()])
