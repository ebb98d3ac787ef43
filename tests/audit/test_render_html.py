"""report.html without a browser: every section in order, the exact rows an auditor checks,
the cover and its incompleteness notes, the sign-off block, the CSP, escaping of hostile
repository text in every field, determinism, and refusal of an invalid report."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from engine.audit.render_html import render_html
from engine.audit.report_schema import InvalidReport
from engine.report.text import clean
from tests.audit.report_sample import hostile_report, sample_report
from tests.report.html_tree import Element, parse
from tests.report.samples import INJECTION

SECTIONS = ["cover", "summary", "controls", "findings", "open-at-end", "waivers",
            "change-control", "trend", "configuration", "governance", "red-merges", "commits",
            "errors", "evidence", "sign-off"]
# Everything the template itself writes; a payload that became markup would add to these.
TAGS = {"#document", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3",
        "section", "div", "strong", "span", "nav", "ul", "li", "a", "p", "table", "thead",
        "tbody", "tr", "th", "td", "code", "br", "footer"}
ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "id", "class", "href",
              "scope", "data-verdict", "data-gate", "data-exit-code", "data-fact", "data-measure",
              "data-family", "data-clause", "data-status", "data-coverage", "data-fingerprint",
              "data-policy-id", "data-waiver", "data-state", "data-expiring", "data-commit",
              "data-kind", "data-path", "data-check", "data-code",
              "data-role"}


def page() -> Element:
    return parse(render_html(sample_report()))


def row(document: Element, table: str, **data: str) -> Element:
    """The one row of ``table`` whose data-* attributes are ``data`` (underscores: hyphens)."""
    wanted = {f"data-{k.replace('_', '-')}": v for k, v in data.items()}
    found = [r for r in document.by_id(table).rows()
             if all(r.attrs.get(k) == v for k, v in wanted.items())]
    assert len(found) == 1, f"{len(found)} rows of {table} match {wanted}"
    return found[0]


def test_sections_come_in_the_auditors_order() -> None:
    document = page()
    sections = [e.attrs["id"] for e in document.find_all("section")]
    assert sections == SECTIONS
    major = [e.attrs["id"] for e in document.find_all("section")
             if e.attrs.get("class") == "major"]
    assert major == ["summary", "controls", "findings", "waivers", "commits", "sign-off"]


def test_cover_names_the_scope_and_the_verdict() -> None:
    document = page()
    verdict = document.by_id("verdict")
    assert (verdict.attrs["data-verdict"], verdict.attrs["data-exit-code"]) == ("blocked", "1")
    assert document.by_id("verdict-text").text() == (
        "blocked: 1 finding(s) at or above high at period end")
    facts = {r.attrs["data-fact"]: r.cells()[1] for r in document.by_id("cover-table").rows()}
    assert facts == {
        "repository": "platform-infra",
        "branch": "main",
        "period": "2026-Q3: 2026-07-01 to 2026-09-30 (UTC)",
        "as-of": "2026-10-15",
        "period-end-judged-on": "2026-09-30",
        "paths": ".",
        "commits-in-the-period": "8 (first-parent)",
        "start-commit-previous-period-end": "1" * 40,
        "end-commit": "2" * 40,
        "policy-bundle-digest": "sha256:" + "ab12" * 16,
        "policy-bundle": "57 policies from commit 2222222 (builtin, policies/custom), "
                         "judging every commit of the period",
        "config-file": ".gitops-compliance.yaml",
        "waivers-file": ".gitops-compliance/waivers.yaml",
        "fail-threshold": "high",
        "engines": "Rego and Checkov",
        "tool-versions": "checkov 3.2.500, gitops-compliance 0.1.0, regorus 0.13.0",
        "generated-at": "2026-10-15 09:12 UTC",
    }
    assert document.by_id("complete").text().startswith("Complete: the period is over")
    assert not [e for e in document.iter() if e.attrs.get("id") == "incomplete"]


def test_an_incomplete_report_says_why_on_its_cover() -> None:
    report = sample_report()
    report["verdict"].update(end_snapshot="incomplete", exit_code=3, complete=False,
                             text="incomplete: 1 scan error(s) at period end")
    report["errors"]["end_snapshot"] = [{"code": "parse-error", "file": "k8s/bad.yaml",
                                         "line": 4, "message": "expected a mapping"}]
    report["scope"]["period"].update(as_of="2026-09-15", complete=False)
    report["evidence"]["policy_tests"]["failed"] = 2
    document = parse(render_html(report))
    assert document.by_id("verdict").attrs["data-verdict"] == "incomplete"
    reasons = [" ".join(li.text().split()) for li in document.by_id("incomplete").find_all("li")]
    assert reasons == [
        "The period-end snapshot has 1 scan error(s): part of the repository was not checked "
        "at period end (see Scan errors).",
        "The period is not over: as of 2026-09-15 the report covers 2026-07-01 to 2026-09-15 "
        "only.",
        "2 policy test(s) failed and 0 errored: the evidence that the policies work is "
        "incomplete."]
    assert row(document, "end-errors-table", code="parse-error").cells() == [
        "parse-error", "k8s/bad.yaml:4", "", "expected a mapping"]


def test_summary_by_family_and_by_clause() -> None:
    document = page()
    assert row(document, "summary-families", family="gxp").cells() == [
        "gxp", "2", "2", "1", "50"]
    assert row(document, "summary-clauses", clause="EUANNEX11-7.1").cells() == [
        "EUANNEX11-7.1", "EUANNEX11", "waived", "0", "1", "3"]
    totals = {r.attrs["data-measure"]: r.cells()[1]
              for r in document.by_id("summary-totals").rows()}
    assert totals["mean-days-to-remediate"] == "12.5"
    assert totals["findings-introduced-in-the-period"] == "4"


def test_control_matrix_rows_show_status_counts_first_seen_and_fix() -> None:
    document = page()
    assert [r.attrs["data-clause"] for r in document.by_id("controls-table").rows()] == [
        "21CFR11.10(c)", "21CFR11.10(b)", "21CFR11.10(d)", "EUANNEX11-7.1", "EUANNEX11-9"]
    failed = row(document, "controls-table", clause="21CFR11.10(c)")
    assert failed.attrs["data-status"] == "failed"
    # clause, regulation, status, policies, evaluated, failing, failed, waived, passed,
    # first seen, fixed in
    assert failed.cells() == ["21CFR11.10(c) Protection of records", "21CFR11 automated",
                              "failed",
                              "GXP-06, CKV_AWS_19", "12", "2", "2", "0", "10",
                              "3333333 2026-07-14 10:00 UTC", "—"]
    assert row(document, "controls-table", clause="EUANNEX11-9").cells()[2::8] == [
        "not evaluated", "4444444 2026-08-02 10:00 UTC"]


def test_a_procedural_clause_is_shown_as_procedural() -> None:
    procedural = row(page(), "controls-table", clause="21CFR11.10(b)")
    assert (procedural.attrs["data-status"], procedural.attrs["data-coverage"]) == (
        "procedural", "procedural")
    assert procedural.cells()[2:4] == ["procedural checked outside this tool",
                                       "none (procedural)"]


def test_findings_introduced_and_resolved_with_commit_author_date_and_days() -> None:
    document = page()
    introduced = row(document, "introduced-table", fingerprint="0f3c" + "1" * 28)
    assert introduced.cells() == [
        "high", "GXP-06 GxP record buckets are immutable", "aws_s3_bucket.records",
        "tf/s3.tf:3", "3333333 2026-07-14 10:00 UTC Ana <ana@example.com> add records bucket",
        "5555555 2026-07-20 10:00 UTC Bo <bo@example.com> lock records bucket", "6.0"]
    still_open = row(document, "introduced-table", fingerprint="9a9a" + "2" * 28)
    assert still_open.cells()[5:] == ["open at period end", "29.6"]
    carried = row(document, "resolved-table", policy_id="IAM-05")
    assert carried.cells()[4:] == [
        "before the period", "4444444 2026-08-02 10:00 UTC Bo <bo@example.com> scope PassRole",
        "19.0"]
    mttr = {r.attrs["data-measure"]: r.cells()[1]
            for r in document.by_id("remediation-table").rows()}
    assert mttr == {"findings-resolved-in-the-period": "2",
                    "mean-time-to-remediate-days": "12.5",
                    "median-time-to-remediate-days": "12.5",
                    "resolved-in-the-period-introduced-before-it": "1"}


def test_open_at_period_end_shows_failed_and_waived() -> None:
    document = page()
    assert row(document, "open-table", policy_id="GXP-10").cells()[4] == "waived by W-001"
    assert row(document, "open-table", policy_id="CKV_K8S_16").cells()[4:] == [
        "failed", "6666666 2026-09-01 10:00 UTC Cy <cy@example.com> gpu trainer", "29.6"]


def test_waiver_expiring_next_period_is_flagged_and_the_expired_one_is_not() -> None:
    document = page()
    expiring = row(document, "waivers-table", waiver="W-001")
    assert (expiring.attrs["data-state"], expiring.attrs["data-expiring"],
            expiring.attrs.get("class")) == ("active", "true", "flagged")
    assert expiring.cells() == [
        "W-001", "active EXPIRES NEXT PERIOD", "policies: GXP-10 paths: tf/legacy/**",
        "legacy bucket, migration ticket open", "ana@example.com", "qa-lead@example.com",
        "2026-08-01", "CHG-1234", "2026-10-20", "1",
        "7777777 2026-08-01 09:00 UTC Ana <ana@example.com> waive legacy tags", "—"]
    expired = row(document, "waivers-table", waiver="W-002")
    assert (expired.attrs["data-expiring"], "class" in expired.attrs) == ("false", False)
    assert expired.cells()[1] == "expired"
    intro = " ".join(p.text() for p in document.by_id("waivers").find_all("p"))
    assert "Expiring next period: W-001." in intro
    assert "1 active, 1 expired, 0 stale" in intro


def test_change_control_trend_configuration_and_governance_rows() -> None:
    document = page()
    assert row(document, "change-control-table", commit="8" * 40).cells() == [
        "8888888", "2026-08-10 12:00 UTC", "Bo <bo@example.com>", "raise retention",
        "modified aws_cloudwatch_log_group.audit (tf/logs.tf, unit tf)"]
    trend = document.by_id("trend-table")
    assert [c.text() for c in trend.find_all("th")][:4] == [
        "Measure", "2026-Q2 (1111111)", "2026-Q3 (2222222)", "Change"]
    assert row(document, "trend-table", measure="failed").cells() == ["failed", "1", "3", "+2"]
    assert row(document, "trend-families", family="gxp").cells() == ["gxp", "1", "2", "+1"]
    assert row(document, "exclusions-table", path="vendor/**").cells() == [
        "vendor/**", "third-party modules, scanned upstream", "—"]
    assert row(document, "overrides-table", policy_id="GPU-04").cells() == ["GPU-04", "high"]
    assert row(document, "checkov-skips-table", check="CKV_AWS_18").cells() == [
        "CKV_AWS_18", "everywhere", "access logs go to the org bucket"]
    assert row(document, "governance-table", commit="7" * 40).cells() == [
        "7777777", "2026-08-01 09:00 UTC", "Ana <ana@example.com>", "waive legacy tags",
        "waivers", "modified", ".gitops-compliance/waivers.yaml"]


def test_red_merge_lists_the_findings_it_let_in() -> None:
    red = row(page(), "red-merges-table", commit="6" * 40)
    assert red.attrs["data-verdict"] == "blocked"
    assert red.cells() == ["6666666", "2026-09-01 10:00 UTC", "Cy <cy@example.com>",
                           "gpu trainer", "blocked",
                           "high CKV_K8S_16 Deployment/ml/trainer k8s/trainer.yaml:7", "0"]


def test_every_commit_has_a_row_and_errors_are_split_end_and_historical() -> None:
    document = page()
    commits = document.by_id("commits-table").rows()
    assert [r.attrs["data-commit"][0] for r in commits] == list("35974862")
    assert row(document, "commits-table", commit="9" * 40).cells()[4:] == [
        "incomplete", "passed green", "1", "1", "0", "0", "0", "0", "1"]
    assert document.by_id("end-errors-table-none").text() == (
        "None: the period-end snapshot was fully checked.")
    assert row(document, "historical-errors-table", commit="9" * 40).cells() == [
        "9999999", "2026-07-30 10:00 UTC", "9999999", "1", "parse-error", "k8s/bad.yaml:4",
        "expected a mapping"]


def test_evidence_and_sign_off_block() -> None:
    document = page()
    evidence = {r.attrs["data-measure"]: r.cells()[1]
                for r in document.by_id("evidence-table").rows()}
    assert evidence["policy-tests-passed"] == "212"
    assert evidence["same-bundle-as-the-one-that-judged-the-period"] == "yes"
    assert document.by_id("evidence-failures-none").text() == "None."
    rows = document.by_id("sign-off-table").rows()
    assert [(r.attrs["data-role"], r.cells()) for r in rows] == [
        ("Prepared by", ["Prepared by", "", "", ""]),
        ("Reviewed by", ["Reviewed by", "", "", ""]),
        ("Approved by", ["Approved by", "", "", ""])]
    assert {td.attrs["class"] for r in rows for td in r.find_all("td")} == {"line"}


def test_an_empty_list_says_none() -> None:
    report = sample_report()
    report["change_control"] = []
    report["red_merges"] = []
    report["trend"]["previous"] = None
    document = parse(render_html(report))
    assert document.by_id("change-control-table-none").text() == "None."
    assert document.by_id("red-merges-table-none").text() == "None."
    assert row(document, "trend-table", measure="failed").cells() == ["failed", "—", "3", "—"]
    assert "No previous period" in document.by_id("trend").text()


def test_csp_allows_exactly_the_inline_stylesheet_and_no_script() -> None:
    text = render_html(sample_report())
    document = parse(text)
    (style,) = document.find_all("style")
    digest = base64.b64encode(hashlib.sha256(style.text().encode()).digest()).decode()
    (csp,) = [m for m in document.find_all("meta")
              if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp.attrs["content"] == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
        "form-action 'none'; base-uri 'none'")
    assert "<script" not in text
    assert all(a.attrs["href"].startswith("#") for a in document.find_all("a"))


def test_rendering_is_deterministic() -> None:
    assert render_html(sample_report()) == render_html(sample_report())


def test_an_invalid_report_is_refused_with_the_path() -> None:
    report = sample_report()
    report["controls"][0]["status"] = "<b>ok</b>"
    with pytest.raises(InvalidReport) as caught:
        render_html(report)
    assert caught.value.problems == [
        '$.controls[0].status: "<b>ok</b>" is not one of ["passed", "failed", "waived", '
        '"not-evaluated", "procedural"]']


def test_hostile_repository_text_stays_text_everywhere() -> None:
    text = render_html(hostile_report())
    document = parse(text)
    assert {e.tag for e in document.iter()} <= TAGS
    assert {name for e in document.iter() for name in e.attrs} <= ATTRIBUTES
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    shown = clean(INJECTION)
    # Cells (subjects, authors, files, resources, reasons, messages) hold the whole payload
    # as text, control characters made visible, nothing dropped.
    assert row(document, "commits-table", commit="3" * 40).cells()[2:4] == [
        " ".join(f"Ana <ana@example.com>{shown}".split()),
        " ".join(f"add records bucket{shown}".split())]
    waiver = [r for r in document.by_id("waivers-table").rows()
              if r.attrs["data-waiver"] == "W-001" + shown]
    assert len(waiver) == 1
    assert waiver[0].cells()[3] == " ".join(f"legacy bucket, migration ticket open{shown}".split())
    error = document.by_id("historical-errors-table").rows()[0]
    assert error.cells()[5:] == [" ".join(f"k8s/bad.yaml{shown}:4".split()),
                                 " ".join(f"expected a mapping{shown}".split())]
    # Every repository-controlled cell carries it: count the payload's start in the text.
    body = document.text()
    assert body.count("<script>alert('x')</script>") >= 60
    assert len(re.findall(r"\\x1b\[31mred", body)) >= 60


def test_a_red_merge_for_scan_errors_alone_shows_no_finding() -> None:
    report = sample_report()
    report["red_merges"][0].update(verdict="incomplete", new_blocking=[], errors=2)
    red = row(parse(render_html(report)), "red-merges-table", commit="6" * 40)
    assert red.cells()[4:] == ["incomplete", "—", "2"]
