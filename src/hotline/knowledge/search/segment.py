"""Chinese word segmentation for the knowledge base: the same tokens at index and query time.

The segmenter is ``rjieba`` (the Rust jieba-rs behind a Python binding; see
docs/decisions/0012-knowledge-search.md). Documents are cut in jieba's *search* mode, which
emits every dictionary word inside a longer one as well as the whole word ("数字机顶盒" →
数字 机顶 顶盒 机顶盒), so a word typed by an agent is found inside a longer compound. Queries
are cut in *precise* mode, one token per word the agent meant.

Tokens are normalised the same way on both sides: NFKC (full-width → half-width), lower case,
and only letters and digits kept, so that the space-joined text is safe for SQLite's FTS5
``ascii`` tokenizer and PostgreSQL's ``simple`` configuration alike, and both see the same
lexemes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import rjieba
from pypinyin import Style, lazy_pinyin

# Words of a cable-TV / broadband operator's hotline that jieba's general dictionary lacks
# or splits. Changing this list changes how documents are cut: run ``kb_reindex`` after.
DOMAIN_WORDS: tuple[str, ...] = (
    "机顶盒",
    "智能卡",
    "光猫",
    "高清互动",
    "互动电视",
    "数字电视",
    "有线电视",
    "信号源",
    "遥控器",
    "分配器",
    "光节点",
    "光缆",
    "停电",
    "停机",
    "复机",
    "报修",
    "销单",
    "派单",
    "回访",
    "片区",
    "营业厅",
    "缴费",
    "欠费",
    "机卡",
    "机卡分离",
    "马赛克",
    "无信号",
    "黑屏",
    "花屏",
    "宽带",
    "路由器",
    "网关",
)
# Function words that say nothing on their own: dropped from queries (never from documents,
# so a query made only of them still finds something).
STOPWORDS: frozenset[str] = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "是",
        "在",
        "有",
        "也",
        "都",
        "就",
        "还",
        "被",
        "把",
        "对",
        "从",
        "给",
        "吗",
        "呢",
        "吧",
        "啊",
        "怎么",
        "如何",
        "什么",
        "为什么",
        "请问",
        "一下",
    ]
)

_KEEP = re.compile(r"[^\w]|_", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_WORD = re.compile(r"^[a-z]+$")
MAX_TOKEN = 40


@functools.cache
def _segmenter_ready() -> bool:
    for word in DOMAIN_WORDS:
        rjieba.add_word(word, None, None)
    return True


def normalize(token: str) -> str:
    """The indexable form of a token: NFKC, lower case, letters and digits only."""
    return _KEEP.sub("", unicodedata.normalize("NFKC", token).lower())[:MAX_TOKEN]


def _clean(tokens: Iterable[str]) -> list[str]:
    cleaned = []
    for token in tokens:
        token = normalize(token)
        if token:
            cleaned.append(token)
    return cleaned


def index_tokens(text: str) -> list[str]:
    """Tokens of a document, in order, with every sub-word (search mode)."""
    if not text:
        return []
    _segmenter_ready()
    return _clean(rjieba.cut_for_search(unicodedata.normalize("NFKC", text)))


def query_tokens(text: str) -> list[str]:
    """Tokens of a query, one per word (precise mode).

    Function words and lone Chinese characters ("没", "闪") are dropped when the query has
    real words besides: they would make every word of a sentence mandatory.
    """
    if not text:
        return []
    _segmenter_ready()
    tokens = _clean(rjieba.cut(unicodedata.normalize("NFKC", text)))
    meaningful = [t for t in tokens if t not in STOPWORDS and not (len(t) == 1 and has_han(t))]
    return meaningful or [t for t in tokens if t not in STOPWORDS] or tokens


def sub_words(token: str) -> list[str]:
    """The shorter dictionary words inside ``token`` ("信号处理" → 信号, 处理)."""
    _segmenter_ready()
    return [t for t in _clean(rjieba.cut_for_search(token)) if t != token]


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def is_ascii_word(token: str) -> bool:
    return bool(_ASCII_WORD.match(token))


@functools.lru_cache(maxsize=200_000)
def initials(token: str) -> str:
    """Pinyin initials of a Chinese word ("机顶盒" → "jdh"); "" when it has no Han characters."""
    if len(token) < 2 or not has_han(token):
        return ""
    letters = lazy_pinyin(token, style=Style.FIRST_LETTER, errors="ignore")
    return normalize("".join(letters))


def pinyin_tokens(tokens: Iterable[str]) -> list[str]:
    """Pinyin initials of the Chinese words among ``tokens`` (no duplicates, in order)."""
    seen: dict[str, None] = {}
    for token in tokens:
        code = initials(token)
        if len(code) >= 2:
            seen.setdefault(code, None)
    return list(seen)


def joined(tokens: Iterable[str]) -> str:
    return " ".join(tokens)
