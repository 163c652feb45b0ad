"""Fixed labels are translatable: no template holds Chinese outside a translation tag, so the
English interface shows Chinese only where it is stored data (names, addresses, articles)."""

from __future__ import annotations

import re
from pathlib import Path

import hotline

HAN = re.compile(r"[\u4e00-\u9fff]")
TRANSLATED = re.compile(
    r"\{%\s*(?:translate|trans)\s+(?:\"[^\"]*\"|'[^']*')[^%]*%\}"
    r"|\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
    re.S,
)


def test_no_template_holds_chinese_outside_a_translation_tag():
    root = Path(hotline.__file__).parent
    offenders = []
    for template in sorted(root.rglob("*.html")):
        text = TRANSLATED.sub("", template.read_text(encoding="utf-8"))
        for line in text.splitlines():
            if HAN.search(line):
                offenders.append(f"{template.relative_to(root)}: {line.strip()[:80]}")
    assert not offenders
