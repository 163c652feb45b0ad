"""Article HTML: sanitised on the server with nh3 (ammonia), whatever the editor sent.

Whatever reaches the database has passed ``clean_html``: headings, paragraphs, lists,
tables, links, images (only our own uploaded files), emphasis. Scripts, styles, event
handlers, ``javascript:`` and ``data:`` URLs, iframes and forms are removed, so an article
pasted from a web page or a Word document is safe to show on every agent's screen.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import nh3

from hotline.typed_text import without_unsafe_text

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Exactly one uploaded file's address: a browser resolves "/knowledge/files/../../x/" to
# "/x/", so a prefix alone let an editor make every reader's browser fetch any page.
_OWN_FILE = re.compile(r"/knowledge/files/[0-9]+/")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Images only from our own uploads: an outside image would tell a third party who read
    # the article and when.
    if tag == "img" and attribute == "src" and not _OWN_FILE.fullmatch(value):
        return None
    return value


def clean_html(html: str) -> str:
    """The safe subset of ``html``, without control and text-direction characters.

    Those are dropped rather than refused: an editor cannot see them in the rich-text editor
    to take them out (they come in with text pasted from Word or a web page), and the server
    already rewrites the body (scripts and styles go). ``nh3`` writes a character reference
    (``&#x202E;``) as the character itself, so removing them from its output catches both."""
    return without_unsafe_text(_sanitised(html))


def _sanitised(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "dt", "dd", "table", "figure", "figcaption", "hr", "caption",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of (sanitised) HTML, one line per block: for search and snippets."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    text = unescape("".join(parser.parts))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _LINES.sub("\n", "\n".join(line for line in lines if line)).strip()
