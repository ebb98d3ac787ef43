"""report.md: the same sections and rows as report.html, as GitHub-flavoured Markdown that
renders (markdown-it, with raw HTML allowed as GitHub does) to tables of text: hostile
repository text makes no link, image, raw HTML or extra table cell."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from engine.audit.render_markdown import render_markdown
from engine.audit.report_view import view
from engine.report.escape import markdown
from tests.audit.report_sample import hostile_report, sample_report
from tests.report.test_ci_formats import assert_tables_intact

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def tokens(text: str) -> list[object]:
    out = []
    for token in PARSER.parse(text):
        out.append(token)
        out.extend(token.children or [])
    return out


def test_headings_follow_the_report_order() -> None:
    text = render_markdown(sample_report())
    assert re.findall(r"^## (.*)$", text, re.M) == [
        "Contents", "Summary", "Control matrix",
        "Findings introduced and resolved in the period", "Findings open at period end",
        "Waiver register",
        "Change control: validated resources changed \\(GXP-11\\)",
        "Trend against the previous period",
        "Exclusions, severity overrides and Checkov skips", "Governance changes",
        "Commits merged while the gate was red", "Every commit of the period", "Scan errors",
        "Evidence that the tool works", "Sign-off"]
    assert text.startswith("# Quarterly compliance report 2026-Q3\n\n**❌ BLOCKED**: blocked: "
                           "1 finding\\(s\\) at or above high at period end\n")


def test_the_rows_an_auditor_checks() -> None:
    lines = render_markdown(sample_report()).splitlines()
    assert ("| 21CFR11.10\\(c\\); Protection of records | 21CFR11; automated | **failed** | "
            "GXP-06, CKV\\_AWS\\_19 | 12 | 2 | 2 | 0 | 10 | 3333333 2026-07-14 10:00 UTC "
            "| — |") in lines
    assert ("| 21CFR11.10\\(b\\); Accurate and complete copies | 21CFR11; procedural | procedural; "
            "checked outside this tool | none \\(procedural\\) | 0 | 0 | 0 | 0 | 0 | — | — |"
            ) in lines
    # The waiver expiring next period is flagged; the expired one is not.
    (w001,) = [line for line in lines if line.startswith("| **W-001** ⚑ | active; EXPIRES NEXT")]
    assert "CHG-1234 | 2026-10-20 | 1 |" in w001
    assert any(line.startswith("| W-002 | **expired** |") for line in lines)
    assert ("| 6666666 | 2026-09-01 10:00 UTC | Cy &lt;cy@\u200bexample.com&gt; | gpu trainer | "
            "**blocked** | high CKV\\_K8S\\_16 Deployment/ml/trainer k8s/trainer.yaml:7 | 0 |"
            ) in lines
    assert "| Mean time to remediate \\(days\\) | 12.5 |" in lines
    assert "| Prepared by | " + " | ".join(["&nbsp;" * 12] * 3) + " |" in lines


def test_every_view_cell_is_in_the_file() -> None:
    """Same content as the HTML: every cell of every table of the view, escaped, is there."""
    report = sample_report()
    text = render_markdown(report)
    for section in view(report).sections:
        for table in section.tables:
            for row in table.rows:
                for cell in row.cells:
                    assert "; ".join(markdown(line) for line in cell.lines if line) in text


def test_contents_links_reach_their_headings() -> None:
    text = render_markdown(sample_report())
    links = [t.attrGet("href") for t in tokens(text) if t.type == "link_open"]
    assert links[:3] == ["#summary", "#control-matrix",
                         "#findings-introduced-and-resolved-in-the-period"]
    assert "#change-control-validated-resources-changed-gxp-11" in links
    assert links[-1] == "#sign-off"
    assert len(links) == 14


def test_hostile_text_renders_to_text_only() -> None:
    text = render_markdown(hostile_report())
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    assert_tables_intact(text)
    kinds = {t.type for t in tokens(text)}
    assert not kinds & {"image", "html_inline", "html_block", "code_block", "fence", "s_open"}
    # The only code span is the footer's command (ours); none comes from the payload's `code`.
    assert {t.content for t in tokens(text) if t.type == "code_inline"} == {
        "gitops-compliance report verify --recompute"}
    links = [t.attrGet("href") for t in tokens(text) if t.type == "link_open"]
    assert len(links) == 14 and all(str(href).startswith("#") for href in links)
    rendered = PARSER.render(text)
    assert "<script" not in rendered and "<img" not in rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert shown.count("<script>alert('x')</script>") >= 60
    # Mentions and autolinks are broken by a zero-width space, so GitHub makes neither.
    assert "@\u200bexample.com" in shown and "@example.com" not in shown
    assert "http:\u200b//evil.example" in shown and "http://evil.example" not in shown


def test_rendering_is_deterministic() -> None:
    assert render_markdown(sample_report()) == render_markdown(sample_report())
