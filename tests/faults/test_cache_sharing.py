"""One cache folder shared by concurrent scans of two repositories, and damaged entries of
every kind in a real scan: results always equal an uncached scan's."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cache.test_store_faults import CORRUPTIONS
from tests.conftest import FIXTURES, make_repo
from tests.e2e.test_cache_cli import _subprocess_scan, outcome, scan

pytestmark = pytest.mark.slow

EXTRA_UNIT = ('resource "aws_s3_bucket" "extra" {\n  bucket = "extra-bucket"\n}\n')


def test_concurrent_scans_of_two_repositories_sharing_units(tmp_path: Path,
                                                            private_result_cache: Path) -> None:
    first = tmp_path / "first"
    make_repo(first, source=FIXTURES / "e2e" / "noncompliant")
    second = tmp_path / "second"  # the same units (same content, same keys) and one more
    shutil.copytree(FIXTURES / "e2e" / "noncompliant", second)
    make_repo(second, {"extra/main.tf": EXTRA_UNIT})
    reports = {first: tmp_path / "first.json", second: tmp_path / "second.json"}
    runs = [_subprocess_scan(repo, "-o", f"json={report}") for repo, report in reports.items()]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 1, err
    for repo, report in reports.items():
        expected = outcome(scan(repo, "--no-cache"))
        assert outcome(json.loads(report.read_text())) == expected
        warm = scan(repo)
        assert warm["scan"]["cache"]["misses"] == 0 and warm["scan"]["cache"]["corrupt"] == 0
        assert outcome(warm) == expected
    assert any(f["file"] == "extra/main.tf" for f in json.loads(
        reports[second].read_text())["findings"])
    assert not list(private_result_cache.rglob(".tmp-*"))


def test_every_kind_of_damaged_entry_is_recomputed_in_a_scan(
        repo_factory: Callable[..., Path], private_result_cache: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    cold = scan(repo, "--no-checkov")
    entries = sorted(private_result_cache.rglob("*.json"))
    kinds = list(CORRUPTIONS.values())
    assert len(entries) >= 4
    for index, entry in enumerate(entries):
        entry.write_bytes(kinds[index % len(kinds)](entry.read_bytes()))
    damaged = scan(repo, "--no-checkov")
    assert damaged["scan"]["cache"]["corrupt"] == len(entries)
    assert damaged["scan"]["cache"]["hits"] == 0
    assert outcome(damaged) == outcome(cold)
    again = scan(repo, "--no-checkov")  # every entry was rewritten whole
    assert again["scan"]["cache"]["hits"] == len(entries)
    assert again["scan"]["cache"]["corrupt"] == 0 and outcome(again) == outcome(cold)
