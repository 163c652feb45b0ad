"""Synonym groups edited by knowledge editors, as the query parser reads them.

Synonyms are applied when a query is parsed, never when a document is indexed, so an
editor's change takes effect on the next search without a reindex. The parsed groups are
cached (Django cache, so every process sees a change at once with Redis, and within
``TTL`` seconds with the per-process cache); a change deletes the cache entry.
"""

from __future__ import annotations

import re

from django.core.cache import cache

from hotline.knowledge.search.query import Synonyms

CACHE_KEY = "knowledge:synonyms:v1"
TTL = 60
_SEPARATORS = re.compile(r"[/,，、;；|\n]+")


def split_terms(text: str) -> list[str]:
    """ "机顶盒 / 盒子, STB" → ["机顶盒", "盒子", "STB"] (no blanks, no repeats)."""
    terms = (t.strip() for t in _SEPARATORS.split(text or ""))
    return list(dict.fromkeys(t for t in terms if t))


def current_synonyms() -> Synonyms:
    groups = cache.get(CACHE_KEY)
    if groups is None:
        from hotline.knowledge.models import SynonymGroup

        groups = [
            split_terms(terms) for terms in SynonymGroup.objects.values_list("terms", flat=True)
        ]
        cache.set(CACHE_KEY, groups, TTL)
    return Synonyms(groups)


def forget_synonyms() -> None:
    cache.delete(CACHE_KEY)
