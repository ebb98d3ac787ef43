"""report.html in Debian's headless Chromium (the scan report's browser harness, reused):
the page and its hostile twin load with no console message, no dialog and no request but
the page, the stylesheet applies (so the CSP hash is right), the print stylesheet repeats
table headers, keeps rows whole and breaks pages before major sections, and printing to PDF
works. Skips without Chromium or Playwright (fails under CI=true, like the scan report's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.audit.render_html import render_html
from tests.audit.report_sample import hostile_report, sample_report
from tests.report.test_html_browser import PAYLOAD, Loaded, Loader

# The module-scoped Chromium fixture: imported under its own name, pytest finds it here.
from tests.report.test_html_browser import browser as browser


@pytest.fixture
def load(browser: Any, tmp_path: Path) -> Iterator[Any]:
    loader = Loader(browser, tmp_path)

    def open_report(report: dict[str, Any]) -> Loaded:
        path = tmp_path / f"report-{len(loader.contexts)}.html"
        path.write_text(render_html(report), encoding="utf-8")
        return loader.file(path)

    yield open_report
    for context in loader.contexts:
        context.close()


def rows(loaded: Loaded, table: str, attribute: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in loaded.page.eval_on_selector_all(
        f"#{table} tbody tr", f"rs => rs.map(r => [r.getAttribute('{attribute}'), "
                              "r.cells[2].innerText])")]


def test_quarterly_report_loads_inert_and_prints(load: Any) -> None:
    loaded = load(sample_report())
    loaded.assert_inert()
    page = loaded.page
    assert page.inner_text("#verdict .word") == "BLOCKED"  # text-transform ran: CSS allowed
    assert rows(loaded, "controls-table", "data-clause") == [
        ("21CFR11.10(c)", "failed"), ("21CFR11.10(b)", "procedural\nchecked outside this tool"),
        ("21CFR11.10(d)", "failed"), ("EUANNEX11-7.1", "waived"),
        ("EUANNEX11-9", "not evaluated")]
    style = "([s, p]) => getComputedStyle(document.querySelector(s))[p]"
    assert page.evaluate(style, ["#waivers-table tr.flagged td", "backgroundColor"]) == (
        "rgb(255, 248, 197)")
    page.emulate_media(media="print")
    assert page.evaluate(style, ["#controls-table thead", "display"]) == "table-header-group"
    assert page.evaluate(style, ["#commits-table tbody tr", "breakInside"]) == "avoid"
    assert page.evaluate(style, ["#controls", "breakBefore"]) == "page"
    assert page.evaluate(style, ["#open-at-end", "breakBefore"]) == "auto"
    assert page.evaluate(style, ["nav", "display"]) == "none"
    assert page.pdf(format="A4", landscape=True).startswith(b"%PDF-")
    assert loaded.requests == [loaded.url]  # printing fetched nothing either


def test_hostile_quarterly_report_stays_text(load: Any) -> None:
    loaded = load(hostile_report())
    loaded.assert_inert()
    page = loaded.page
    subject = page.inner_text("#commits-table tbody tr:first-child td:nth-child(4)")
    assert subject.startswith("add records bucket" + PAYLOAD)
    assert "\\x1b[31mred" in subject and "\x1b" not in subject
    assert page.inner_text("body").count(PAYLOAD) >= 60
