"""``-o html`` in a real browser: Debian's Chromium, headless, driven by Playwright.

The report is loaded from a ``file://`` URL with every console message, page error, dialog
and request recorded. A Content-Security-Policy violation is a console error, an executed
``alert`` opens a dialog and a loaded image or stylesheet is a request, so "no console message,
no dialog, no request but the page" is what shows a hostile payload stayed inert. The DOM is
then read for the verdict and the findings rows, as a reader sees them.

The system browser is used (``executable_path``), never one Playwright downloads. Without
Chromium or Playwright the module skips with the reason; with ``CI=true`` it fails instead,
because CI must run it (.ci/run installs ``chromium``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.model import ScanResult
from engine.report import RenderOptions, get_renderer
from engine.report.text import clean
from tests.conftest import FIXTURES, make_repo, run_cli
from tests.report.samples import injection_result, sample_result

CHROMIUM = Path("/usr/bin/chromium")
# As root in a container: no sandbox (it needs user namespaces), no GPU, and nothing that
# would reach the network on its own (QUIC, component updates, sync, background fetches).
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>&amp;]]>"
# Elements a payload would create to run script or load something; none is in the template.
ACTIVE = "script, img, iframe, frame, object, embed, link, base, form, svg, math, video, audio"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module. ``launch`` gives it a fresh temporary profile
    (user-data-dir) that Playwright deletes when the browser closes."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium package")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except Error as exc:
            _unavailable(f"{CHROMIUM} did not start: {exc.message.splitlines()[0]}")
        yield instance
        instance.close()


@dataclass
class Loaded:
    page: Any
    url: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_inert(self) -> None:
        assert self.console == []
        assert self.errors == []
        assert self.dialogs == []
        assert self.requests == [self.url]
        assert self.page.evaluate(f"document.querySelectorAll({ACTIVE!r}).length") == 0
        handlers = self.page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
            ".map(a => a.name).filter(n => n.startsWith('on'))")
        assert handlers == []
        links = self.page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
        assert all(link.startswith("#") for link in links)

    def rows(self, table: str) -> list[tuple[str, str, str]]:
        """(policy id, resource, file:line) of a findings table, as rendered text."""
        return [tuple(row) for row in self.page.eval_on_selector_all(
            f"#{table} tbody tr",
            "rows => rows.map(r => [r.dataset.policyId,"
            " r.querySelector('td.resource').innerText,"
            " r.querySelector('td.location').innerText.split('\\n')[0]])")]


class Loader:
    """Opens reports in the shared browser, each in its own context (no shared state)."""

    def __init__(self, browser: Any, folder: Path) -> None:
        self.browser, self.folder = browser, folder
        self.contexts: list[Any] = []

    def file(self, path: Path) -> Loaded:
        context = self.browser.new_context()
        self.contexts.append(context)
        page = context.new_page()
        loaded = Loaded(page, path.resolve().as_uri())
        page.on("console", lambda m: loaded.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: loaded.errors.append(str(e)))
        page.on("dialog", lambda d: (loaded.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: loaded.requests.append(r.url))
        page.goto(loaded.url, wait_until="load")
        return loaded

    def result(self, result: ScanResult) -> Loaded:
        path = self.folder / f"report-{len(self.contexts)}.html"
        path.write_text(get_renderer("html")(result, RenderOptions()), encoding="utf-8")
        return self.file(path)


@pytest.fixture
def load(browser: Any, tmp_path: Path) -> Iterator[Loader]:
    loader = Loader(browser, tmp_path)
    yield loader
    for context in loader.contexts:
        context.close()


def test_sample_report_renders_with_no_console_message(load: Loader) -> None:
    loaded = load.result(sample_result())
    loaded.assert_inert()
    page = loaded.page
    assert page.inner_text("#verdict .word") == "INCOMPLETE"  # text-transform applied: CSS ran
    assert page.inner_text("#exit-code") == "3"
    assert page.get_attribute("#verdict", "data-exit-code") == "3"
    assert loaded.rows("blocking-findings") == [
        ("IAM-05", "aws_iam_policy.pipeline", "infra/iam.tf:12"),
        ("CKV_K8S_16", "Deployment.ml-inference.text-embedder",
         "charts/text-embedder/templates/deployment.yaml:18")]
    assert loaded.rows("non-blocking-findings") == [
        ("ENC-01", "aws_s3_bucket.batch_records", "infra/s3.tf:3"),
        ("GXP-10", "Deployment/ml-inference/text-embedder", "k8s/inference.yaml:7")]
    assert loaded.rows("waived-findings") == [
        ("GXP-06", "aws_s3_bucket.scratch", "infra/s3.tf:40")]
    assert page.inner_text("#waived-findings td.waiver") == "W-2026-014"
    assert page.eval_on_selector_all("#errors-table tbody tr",
                                     "rs => rs.map(r => r.dataset.code)") == [
        "render-error", "parse-error"]


def test_printed_page_has_no_dark_background_and_repeats_table_headers(load: Loader) -> None:
    page = load.result(sample_result()).page
    style = "([s, p]) => getComputedStyle(document.querySelector(s))[p]"
    assert page.evaluate(style, ["#verdict", "borderTopWidth"]) == "3px"
    assert page.evaluate(style, ["#verdict", "backgroundColor"]) != "rgba(0, 0, 0, 0)"
    page.emulate_media(media="print")
    for selector in ("#verdict", "#blocking-findings thead th", "#scope-table th"):
        assert page.evaluate(style, [selector, "backgroundColor"]) == "rgba(0, 0, 0, 0)"
    assert page.evaluate(style, ["#blocking-findings thead", "display"]) == "table-header-group"
    assert page.evaluate(style, ["#blocking-findings tbody tr", "breakInside"]) == "avoid"
    assert page.evaluate(style, ["nav", "display"]) == "none"
    assert page.pdf(format="A4").startswith(b"%PDF-")


def test_injection_sample_stays_text(load: Loader) -> None:
    loaded = load.result(injection_result())
    loaded.assert_inert()
    page = loaded.page
    assert page.inner_text("#verdict .word") == "INCOMPLETE"
    rows = loaded.rows("blocking-findings")
    assert [r[0] for r in rows] == ["IAM-05", "CKV_K8S_16"]
    resource = page.inner_text("#blocking-findings tbody tr:first-child td.resource")
    assert PAYLOAD in resource
    assert "\\x1b[31mred\\x1b[0m\\x1b[2J \\x202eevil\\x00" in resource
    assert "\x1b" not in resource and "\u202e" not in resource
    body = page.inner_text("body")
    assert body.count(PAYLOAD) >= 20
    assert page.inner_text("#notes-list li").startswith(PAYLOAD)


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The injection fixture scanned once, Checkov on, as a temporary git repository."""
    base = tmp_path_factory.mktemp("hostile-scan")
    repo = base / "repo"
    make_repo(repo, source=FIXTURES / "report" / "injection")
    html, report = base / "scan.html", base / "scan.json"
    done = run_cli("scan", str(repo), "--no-cache", "-o", f"html={html}", "-o",
                   f"json={report}")
    assert done.code == 1, done.err
    document: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return html, document


@pytest.mark.slow
def test_real_scan_of_hostile_files_stays_text(
        browser: Any, load: Loader, hostile_scan: tuple[Path, dict[str, Any]]) -> None:
    del browser  # requested first: no Checkov scan when the browser is missing
    html, document = hostile_scan
    loaded = load.file(html)
    loaded.assert_inert()
    page = loaded.page
    assert page.inner_text("#verdict .word") == "BLOCKED"
    assert page.inner_text("#exit-code") == "1"

    def expected(blocks: bool) -> list[tuple[str, str, str]]:
        return sorted((f["policy_id"], " ".join(clean(f["resource"]).split()),
                       f"{f['file']}:{f['line']}") for f in document["findings"]
                      if f["status"] == "failed" and f["blocks_merge"] is blocks)

    blocking = loaded.rows("blocking-findings")
    assert sorted((p, " ".join(r.split()), w) for p, r, w in blocking) == expected(True)
    assert sorted((p, " ".join(r.split()), w)
                  for p, r, w in loaded.rows("non-blocking-findings")) == expected(False)
    pod_file = "k8s/pod <b>|`x`::error::y%0A.yaml"
    assert ("CKV_K8S_16", "Pod/default/debug", f"{pod_file}:2") in blocking  # Checkov ran
    assert ("GXP-10", "Namespace/ml<script>alert('ns')</script>", "k8s/hostile.yaml:2") in blocking
    assert page.eval_on_selector_all(
        "#blocking-findings tbody tr", "rs => rs.map(r => r.dataset.file)").count(pod_file) >= 2

