"""The SLA risk colours: an overdue order's row on the dispatch board stays readable."""

from __future__ import annotations

from pathlib import Path

import pytest

import hotline

pytestmark = pytest.mark.browser
CSS = Path(hotline.__file__).parent / "static/hotline/hotline.css"


def test_an_overdue_row_keeps_dark_text_and_only_the_badge_is_white(browser):
    page = browser.new_page()
    try:
        page.set_content(
            f"<style>{CSS.read_text()}</style>"
            '<table><tr class="risk-breached"><td id="cell">故障维修</td></tr></table>'
            '<span id="badge" class="risk risk-breached">超时</span>'
        )
        colour = "id => getComputedStyle(document.getElementById(id)).color"
        assert page.evaluate(colour, "cell") != "rgb(255, 255, 255)"
        assert page.evaluate(colour, "badge") == "rgb(255, 255, 255)"
    finally:
        page.close()
