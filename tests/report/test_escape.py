"""Each escaping function keeps any text inert in its syntax (hypothesis, derandomized)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from engine.report.escape import _AUTOLINK as AUTOLINK
from engine.report.escape import (
    markdown,
    uri_path,
    workflow_data,
    workflow_property,
    xml_text,
)
from engine.report.text import clean

# Any text, with the characters that matter over-represented.
SPECIAL = st.sampled_from([*"<>&|`[]()!*_~#\\:,%@\r\n\x00\x1b\u202e\ufffe",
                           "]]>", "://", "%0A", "::"])
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=5)), max_size=20).map("".join)
EXAMPLES = settings(max_examples=150, derandomize=True, deadline=None)


@EXAMPLES
@given(TEXT)
def test_workflow_values_stay_on_one_line_and_in_their_property(text: str) -> None:
    data, prop = workflow_data(text), workflow_property(text)
    for value in (data, prop):
        assert "\n" not in value and "\r" not in value and "\x1b" not in value
    assert ":" not in prop and "," not in prop


@EXAMPLES
@given(TEXT)
def test_xml_text_always_parses_back_as_text(text: str) -> None:
    for one_line in (True, False):
        value = xml_text(text, one_line=one_line)
        element = ET.Element("case", message=value)
        element.text = value
        parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
        assert list(parsed) == [] and parsed.get("message") is not None


@EXAMPLES
@given(TEXT, TEXT)
@example("`code` **b** _i_ ~~s~~ [l](u) ![i](u) <i>x</i> &amp; @you www.x.io", "a | b\\| c")
def test_markdown_cell_stays_one_cell_and_renders_as_its_text(left: str, right: str) -> None:
    table = f"| a | b |\n|---|---|\n| {markdown(left)} | {markdown(right)} |\n"
    rendered = MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]).render(table)
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.S)
    assert len(rows) == 2
    cells = re.findall(r"<td>(.*?)</td>", rows[1], re.S)
    # No markup at all inside a cell (every "<" is an entity), and each cell shows exactly
    # its value: the visible text, mentions and autolinks broken by a zero-width space.
    assert len(cells) == 2 and all("<" not in cell for cell in cells)
    for cell, value in zip(cells, (left, right), strict=True):
        expected = AUTOLINK.sub(lambda m: m.group()[0] + "\u200b" + m.group()[1:], clean(value))
        assert html.unescape(cell) == expected.strip(" \t")


@EXAMPLES
@given(st.text(max_size=40))
def test_uri_path_round_trips_and_has_no_reserved_character(path: str) -> None:
    uri = uri_path(path)
    assert unquote(uri) == path
    assert re.fullmatch(r"[A-Za-z0-9_.~/%-]*", uri)  # percent-encoded, nothing else


@pytest.mark.parametrize("text", ["fixes #1", "octo/repo#2", "see GH-3", "cc @octo/team",
                                  "https://evil.example", "www.evil.example"])
def test_markdown_leaves_no_mention_reference_or_link_github_would_make(text: str) -> None:
    # GitHub links these on the rendered text, after Markdown escaping: a zero-width space
    # must sit inside each pattern.
    shown = MarkdownIt("commonmark").renderInline(markdown(text))
    plain = shown.replace("\u200b", "")
    assert plain == html.escape(text, quote=False)
    for pattern in (r"#\d", r"GH-\d", r"@\w", "://", r"www\."):
        assert not re.search(pattern, shown, re.IGNORECASE)
