"""``-o html`` without a browser: golden output, every section, the exact rows, escaping of
every hostile payload (parsed with ``html.parser``), the CSP, determinism and the CLI."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
from pathlib import Path

from engine.model import ScanResult
from engine.report import RenderOptions, get_renderer
from engine.report.text import clean
from tests.conftest import FIXTURES, make_repo, run_cli
from tests.report.html_tree import parse
from tests.report.samples import INJECTION, compliant_result, injection_result, sample_result

GOLDEN = Path(__file__).parent / "golden" / "scan.html"
SECTIONS = ("verdict", "scope", "counts", "blocking", "non-blocking", "waived", "errors",
            "waivers", "exclusions", "checkov-skips", "governance", "notes")
# Everything the template itself writes; a payload that became markup would add to these.
TAGS = {"#document", "html", "head", "meta", "title", "style", "body", "h1", "h2", "section",
        "div", "strong", "span", "nav", "ul", "li", "a", "p", "table", "thead", "tbody",
        "tfoot", "tr", "th", "td", "code", "br", "footer"}
ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "id", "class", "href",
              "scope", "data-verdict", "data-exit-code", "data-severity", "data-policy-id",
              "data-file", "data-line", "data-fingerprint", "data-code", "data-status",
              "data-check"}


def render(result: ScanResult) -> str:
    return get_renderer("html")(result, RenderOptions())


def test_sample_report_matches_its_golden_file() -> None:
    """Regenerate with UPDATE_GOLDEN=1 after an intended change, and review the diff."""
    text = render(sample_result())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_sample_report_has_every_section_and_the_exact_rows() -> None:
    page = parse(render(sample_result()))
    for section in SECTIONS:
        assert page.by_id(section).tag == "section"
    verdict = page.by_id("verdict")
    assert (verdict.attrs["data-verdict"], verdict.attrs["data-exit-code"]) == ("incomplete", "3")
    assert " ".join(verdict.text().split()).startswith(
        "incomplete Exit code 3: The scan is incomplete")

    def rows(table: str) -> list[tuple[str, str, str, str, str]]:
        return [(r.attrs["data-policy-id"], r.attrs["data-severity"],
                 r.cells()[2], r.cells()[3], r.cells()[-1])
                for r in page.by_id(table).rows()]

    assert rows("blocking-findings") == [
        ("IAM-05", "critical", "aws_iam_policy.pipeline", "infra/iam.tf:12 policy.Statement[0]",
         "aws_iam_policy.pipeline allows iam:PassRole on every role of the account "
         "Controls: 21 CFR 11.10(d); EU GMP Annex 11 §12.1 "
         "Fix: List the role ARNs and add an iam:PassedToService condition."),
        ("CKV_K8S_16", "high", "Deployment.ml-inference.text-embedder",
         "charts/text-embedder/templates/deployment.yaml:18",
         "Container should not be privileged Helm chart charts/text-embedder, values set "
         "values-prod.yaml, template templates/deployment.yaml"),
    ]
    assert rows("non-blocking-findings") == [
        ("ENC-01", "high", "aws_s3_bucket.batch_records", "infra/s3.tf:3",
         "pre-existing (fails at the baseline too)"),
        ("GXP-10", "medium", "Deployment/ml-inference/text-embedder", "k8s/inference.yaml:7",
         "warn rule (never blocks)"),
    ]
    assert rows("waived-findings") == [
        ("GXP-06", "high", "aws_s3_bucket.scratch", "infra/s3.tf:40", "W-2026-014")]
    first = page.by_id("blocking-findings").rows()[0]
    assert (first.attrs["data-file"], first.attrs["data-line"]) == ("infra/iam.tf", "12")
    assert [r.cells()[:3] for r in page.by_id("errors-table").rows()] == [
        ["render-error", "charts/legacy/templates/cm.yaml:3", "chart:charts/legacy@defaults"],
        ["parse-error", "k8s/broken.yaml:9", "kubernetes"]]
    assert [r.cells() for r in page.by_id("waivers-table").rows()] == [
        ["applied", "W-2026-014", "waived 1 finding(s)"],
        ["expired", "W-2026-002", "valid through 2026-10-31; no longer applied"],
        ["stale", "W-2026-011", "active, matched no finding in this scan"]]
    assert [r.cells() for r in page.by_id("exclusions-table").rows()] == [
        ["legacy/old.yaml", "decommissioned in CHG-1204"]]
    assert [r.cells() for r in page.by_id("checkov-skips-table").rows()] == [
        ["CKV_AWS_144", "infra/s3.tf", "cross-region replication is done by AWS Backup"]]
    assert [r.cells() for r in page.by_id("governance-table").rows()] == [
        ["waivers", "modified", ".gitops-compliance/waivers.yaml"]]
    assert [li.text() for li in page.by_id("notes-list").find_all("li")] == [
        "Checkov not run on 1 unit(s) (not cached): charts/legacy; the PR check runs it"]
    scope = {r.cells()[0]: r.cells()[1] for r in page.by_id("scope-table").rows()}
    assert scope["Repository"] == "repo"
    assert scope["Commit"] == "4f2c1d9a8b7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
    assert scope["Base commit"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    assert scope["Changed files"] == "4 (only their units are reported)"
    assert scope["Policy bundle digest"] == "sha256:" + "ab" * 32
    assert scope["Rego policies"] == "29" and scope["Resources"] == "57"
    assert scope["Tool versions"] == "checkov 3.2.0, gitops-compliance 0.1.0, regorus 0.13.0"
    counts = {r.attrs["data-severity"]: r.cells()[1:] for r in page.by_id("counts-table").rows()}
    assert counts["critical"] == ["1", "0", "0", "0", "0"]
    assert counts["high"] == ["1", "1", "0", "1", "0"]
    assert counts["medium"] == ["0", "0", "1", "0", "1"]


def test_compliant_report_says_so_and_shows_empty_sections_as_none() -> None:
    page = parse(render(compliant_result()))
    verdict = page.by_id("verdict")
    assert (verdict.attrs["data-verdict"], verdict.attrs["data-exit-code"]) == ("compliant", "0")
    assert page.by_id("meaning").text().startswith("No finding at or above the fail threshold")
    for empty in ("blocking-findings", "non-blocking-findings", "errors-table",
                  "governance-table", "notes-list"):
        assert page.by_id(f"{empty}-none").text().startswith("None")
    assert [(r.attrs["data-policy-id"], r.cells()[-1])
            for r in page.by_id("waived-findings").rows()] == [("GXP-06", "W-2026-014")]


def test_every_hostile_payload_stays_text() -> None:
    document = render(injection_result())
    page = parse(document)
    assert {e.tag for e in page.iter()} <= TAGS
    for element in page.iter():
        assert set(element.attrs) <= ATTRIBUTES, (element.tag, element.attrs)
        if element.tag == "a":
            assert re.fullmatch(r"#[a-z-]+", element.attrs["href"])
    assert len(page.find_all("style")) == 1 and not page.find_all("script")
    # Control characters never reach the file; they are shown as escapes.
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", document)
    visible = clean(INJECTION)
    assert "\\x1b[31mred\\x1b[0m\\x1b[2J \\x202eevil\\x00" in visible
    text = page.text()
    for where in ("blocking-findings", "non-blocking-findings", "waived-findings",
                  "errors-table", "waivers-table", "exclusions-table", "governance-table",
                  "notes-list"):
        assert visible in " ".join(page.by_id(where).text().split("\n")), where
    assert text.count("<script>alert('x')</script><img src=x onerror=alert(1)>&amp;]]>") >= 20
    row = page.by_id("blocking-findings").rows()[0]
    assert row.attrs["data-file"] == clean("infra/iam.tf" + INJECTION)
    assert row.cells()[2] == " ".join(clean("aws_iam_policy.pipeline" + INJECTION).split())


def test_the_csp_allows_no_script_and_only_the_report_s_own_stylesheet() -> None:
    page = parse(render(sample_result()))
    (csp,) = [m.attrs["content"] for m in page.find_all("meta")
              if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    (style,) = page.find_all("style")
    digest = base64.b64encode(hashlib.sha256(style.text().encode()).digest()).decode()
    assert csp == (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
                   "form-action 'none'; base-uri 'none'")
    assert "@media print" in style.text()


def test_the_report_depends_on_the_scan_only() -> None:
    """Same scan, another machine's checkout folder: the same bytes (no clock, no path)."""
    result = sample_result()
    elsewhere = dataclasses.replace(result, root="/home/runner/work/infra/repo")
    assert render(result) == render(result) == render(elsewhere)
    assert "/home/runner" not in render(elsewhere)


def test_scan_writes_the_html_report_of_a_hostile_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo, source=FIXTURES / "report" / "injection")
    out = tmp_path / "scan.html"
    done = run_cli("scan", str(repo), "--no-checkov", "-o", f"html={out}")
    assert done.code == 1, done.err
    page = parse(out.read_text(encoding="utf-8"))
    assert page.by_id("verdict").attrs["data-verdict"] == "blocked"
    namespace = "Namespace/ml<script>alert('ns')</script>"
    deployment = ("Deployment/ml<script>alert('ns')</script>/trainer<script>alert('x')"
                  "</script> | col | `code` [l](javascript:alert(1)) ::error file=pwned.tf,"
                  "line=1::forged%0A::warning::x \\x1b[31mred\\x1b[0m \\x202eevil")
    pod_file = "k8s/pod <b>|`x`::error::y%0A.yaml"
    assert [(r.attrs["data-policy-id"], r.cells()[2], r.cells()[3])
            for r in page.by_id("blocking-findings").rows()] == [
        ("GPU-03", namespace,
         'k8s/hostile.yaml:2 ResourceQuota.spec.hard["requests.nvidia.com/gpu"]'),
        ("GPU-03", namespace, "k8s/hostile.yaml:2 gpu_namespace_allocations[\"ml<script>alert('ns')"
                              '</script>"]'),
        ("GXP-10", "aws_iam_policy.pipeline", "infra/main.tf:2 tags"),
        ("GXP-10", namespace, "k8s/hostile.yaml:2 metadata.labels"),
        ("GXP-10", deployment, "k8s/hostile.yaml:7 spec.template.metadata.labels"),
        ("GXP-10", "Pod/default/debug", f"{pod_file}:2 metadata.labels"),
        ("IAM-02", "aws_iam_policy.pipeline", "infra/main.tf:2 policy.Statement[0].Action[0]"),
    ]
    pod = [r for r in page.by_id("blocking-findings").rows() if r.cells()[2] == "Pod/default/debug"]
    assert (pod[0].attrs["data-file"], pod[0].attrs["data-line"]) == (pod_file, "2")
    assert {e.tag for e in page.iter()} <= TAGS
    assert not page.find_all("script") and not page.find_all("b")

