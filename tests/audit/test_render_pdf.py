"""report.pdf: WeasyPrint prints report.html, fetching nothing; without WeasyPrint the error
says what to install. The PDF tests skip (with the reason) when the ``pdf`` extra is absent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from engine.audit.render_html import render_html
from engine.audit.render_pdf import pdf_available, refusing_fetcher, render_pdf
from tests.audit.report_sample import hostile_report, sample_report


@pytest.fixture
def weasyprint() -> None:
    """WeasyPrint is an optional extra: skip without it on a user's machine; under CI=true
    (where scripts/test.sh installs it) its absence fails."""
    if pdf_available():
        return
    message = "WeasyPrint is not installed (pip install 'gitops-compliance[pdf]')"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


needs_weasyprint = pytest.mark.usefixtures("weasyprint")


def inflated(pdf: bytes) -> bytes:
    """The PDF with every Flate stream decompressed (outline titles live in object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompress(pdf[match.end():end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


@needs_weasyprint
def test_pdf_of_the_sample_carries_the_period_and_is_reproducible() -> None:
    page = render_html(sample_report())
    fetcher = refusing_fetcher()
    pdf = render_pdf(page, fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    assert fetcher.refused == []  # the report asks for nothing
    # The PDF outline (bookmarks) is built from the headings: the cover's title and sections.
    text = inflated(pdf)
    assert b"(Quarterly compliance report 2026-Q3)" in text
    assert b"(Waiver register)" in text and b"(Sign-off)" in text
    assert render_pdf(page) == pdf  # no clock, no random id: same HTML, same bytes


@needs_weasyprint
def test_every_url_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }", encoding="utf-8")
    page = (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{secret.as_uri()}">'
            '<link rel="stylesheet" href="http://evil.example/x.css"></head><body>'
            '<img src="relative.png"><p style="background: url(https://evil.example/b.png)">'
            "x</p></body></html>")
    fetcher = refusing_fetcher()
    assert render_pdf(page, fetcher=fetcher).startswith(b"%PDF-")
    assert fetcher.refused == [secret.as_uri(), "http://evil.example/x.css",
                               "https://evil.example/b.png"]


def _first_rows(node: Any) -> Any:
    """The report with every list cut to its first item: each section keeps one hostile
    row (laying out the whole hostile report takes WeasyPrint ~25 s)."""
    if isinstance(node, dict):
        return {k: _first_rows(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_first_rows(v) for v in node[:1]]
    return node


@needs_weasyprint
def test_pdf_of_hostile_text_renders() -> None:
    fetcher = refusing_fetcher()
    page = render_html(_first_rows(hostile_report()))
    assert render_pdf(page, fetcher=fetcher).startswith(b"%PDF-")
    assert fetcher.refused == []  # the payload's <img src=x> is text, not an image


def test_without_weasyprint_the_error_says_what_to_install() -> None:
    # A fresh interpreter where importing weasyprint fails, as on a machine without the
    # extra (or without Pango, which fails the import with OSError the same way).
    code = ("import sys; sys.modules['weasyprint'] = None\n"
            "from engine.audit.render_pdf import pdf_available, render_pdf, PdfUnavailable\n"
            "assert pdf_available() is False\n"
            "try:\n"
            "    render_pdf('<p>x</p>')\n"
            "except PdfUnavailable as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.startswith(
        "PDF output needs WeasyPrint and the system's Pango library: pip install "
        "'gitops-compliance[pdf]' (and on Debian/Ubuntu apt-get install libpango-1.0-0 "
        "libpangoft2-1.0-0) (ModuleNotFoundError: ")
