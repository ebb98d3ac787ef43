"""The result cache end to end: real repositories, real engines, real processes.

Each test has its own cache folder (``private_result_cache`` in conftest). Hits and misses
are read from the JSON report's ``scan.cache`` counters; every cached result is compared with
a ``--no-cache`` run of the same tree, so a stale hit cannot pass unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.cache.store import CACHE_DIR_ENV
from tests.conftest import REPO_ROOT, run_cli

pytestmark = pytest.mark.slow


def outcome(document: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a scan decided, without timings and cache counters."""
    findings = sorted((f["policy_id"], f["resource"], f["file"], f["line"], f["status"],
                       f["unit"], f["message"]) for f in document["findings"])
    errors = sorted((e["code"], e["file"], e["line"]) for e in document["errors"])
    return (document["exit_code"], findings, errors, document["summary"])


def scan(repo: Path, *extra: str) -> dict[str, Any]:
    run = run_cli("scan", str(repo), "-o", "json", *extra)
    assert run.code in (0, 1, 3), run.err + run.out
    return run.json()


def assert_same_as_uncached(repo: Path, document: dict[str, Any], *extra: str) -> None:
    fresh = scan(repo, "--no-cache", *extra)
    assert fresh["scan"]["cache"] == {}
    assert outcome(document) == outcome(fresh)


def test_hits_and_misses_follow_content_params_and_policies(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    cold = scan(repo)
    assert cold["scan"]["cache"]["hits"] == 0
    # Loads (the Terraform unit, 3 manifest files), Rego (infra, kubernetes) and Checkov
    # (infra, and each of the 2 files holding Kubernetes objects).
    assert cold["scan"]["cache"]["misses"] == 9
    warm = scan(repo)
    assert warm["scan"]["cache"]["hits"] == 9 and warm["scan"]["cache"]["misses"] == 0
    assert outcome(warm) == outcome(cold)
    assert ("IAM-02", "aws_iam_policy.pipeline", "infra/main.tf", 13) in {
        (f["policy_id"], f["resource"], f["file"], f["line"]) for f in warm["findings"]}

    # A manifest changes: it is loaded again, Checkov re-runs on that file only, every Rego
    # unit re-evaluates (the inventory changed); the other files' loads and Checkov results
    # and the Terraform unit's Checkov results come from the cache.
    training = repo / "k8s" / "training.yaml"
    training.write_text(training.read_text().replace("train-resnet", "train-vit"))
    changed = scan(repo)
    assert (changed["scan"]["cache"]["hits"], changed["scan"]["cache"]["misses"]) == (5, 4)
    assert any(f["resource"] == "Job/ml-training/train-vit" and f["engine"] == "checkov"
               for f in changed["findings"])
    assert not any("train-resnet" in f["resource"] for f in changed["findings"])
    assert_same_as_uncached(repo, changed)

    # Parameters change: Rego re-evaluates, Checkov does not care.
    (repo / ".gitops-compliance.yaml").write_text(
        "params:\n  required_tags:\n    cost-center: null\n")
    params = scan(repo)
    # (The config file is YAML too: loaded once, holds no object, Checkov unaffected.)
    assert (params["scan"]["cache"]["hits"], params["scan"]["cache"]["misses"]) == (7, 3)
    assert_same_as_uncached(repo, params)

    # One more policy: the bundle digest changes, Rego re-evaluates.
    extra = tmp_path / "team-policies"
    extra.mkdir()
    (extra / "team.rego").write_text(TEAM_POLICY)
    policy = scan(repo, "--policies", str(extra))
    assert (policy["scan"]["cache"]["hits"], policy["scan"]["cache"]["misses"]) == (8, 2)
    assert any(f["policy_id"] == "TEAM-01" for f in policy["findings"])
    assert_same_as_uncached(repo, policy, "--policies", str(extra))


TEAM_POLICY = """\
# METADATA
# title: Jobs name their team
# scope: package
# custom:
#   id: TEAM-01
#   severity: low
#   family: team
#   controls: []
#   regulatory: false
#   applies_to: [Job]
#   remediation: Add a team label.
package team.jobs

import rego.v1

deny contains {"msg": "no team label", "resource": r.address} if {
  some r in input.resources
  r.type == "Job"
  not r.config.metadata.labels.team
}
"""


def test_a_module_change_reruns_its_callers(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("checkov/terraform")
    scan(repo, "--fail-on", "none")
    module = repo / "modules" / "bucket" / "main.tf"
    module.write_text(module.read_text() + "\n# reviewed\n")
    after = scan(repo, "--fail-on", "none")
    assert after["scan"]["cache"]["misses"] > 0
    assert_same_as_uncached(repo, after, "--fail-on", "none")


def test_corrupt_entries_are_recomputed(repo_factory: Callable[..., Path],
                                        private_result_cache: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    cold = scan(repo)
    entries = sorted(private_result_cache.rglob("*.json"))
    assert len(entries) == 9
    for entry in entries:  # flip one byte of the payload (or of the header of an empty one)
        data = bytearray(entry.read_bytes())
        data[-2] ^= 0x01
        entry.write_bytes(bytes(data))
    damaged = scan(repo)
    assert damaged["scan"]["cache"]["corrupt"] == 9
    assert outcome(damaged) == outcome(cold)
    assert scan(repo)["scan"]["cache"]["hits"] == 9  # rewritten whole


def test_no_cache_neither_reads_nor_writes(repo_factory: Callable[..., Path],
                                           private_result_cache: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    document = scan(repo, "--no-cache", "--no-checkov")
    assert document["scan"]["cache"] == {}
    assert not any(private_result_cache.rglob("*.json"))


def test_default_location_is_inside_the_git_folder(
        repo_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV)
    repo = repo_factory("e2e/noncompliant")
    scan(repo, "--no-checkov")
    assert list((repo / ".git" / "gitops-compliance" / "cache" / "v1" / "rego").rglob("*.json"))
    # Outside git: the user cache folder (XDG on Linux).
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    scan(plain, "--no-checkov")
    assert list((tmp_path / "xdg" / "gitops-compliance" / "results" / "v1").rglob("*.json"))


def test_checkov_cached_skips_units_not_cached_and_says_so(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant")
    scan(repo)
    training = repo / "k8s" / "training.yaml"
    training.write_text(training.read_text().replace("train-resnet", "train-vit"))
    fast = scan(repo, "--checkov", "cached")
    assert fast["notes"] == ["Checkov not run on 1 unit(s) (not cached): kubernetes; the PR "
                             "check runs it"]
    engines = {(f["file"], f["engine"]) for f in fast["findings"]}
    # No Checkov result for the changed manifest, which Checkov did not see.
    assert ("k8s/training.yaml", "rego") in engines
    assert ("k8s/training.yaml", "checkov") not in engines
    assert ("infra/main.tf", "checkov") in engines  # from the cache
    assert ("GPU-01", "Job/ml-training/train-vit") in {
        (f["policy_id"], f["resource"]) for f in fast["findings"]}
    text = run_cli("scan", str(repo), "--checkov", "cached")
    assert "Note: Checkov not run on 1 unit(s) (not cached): kubernetes" in text.out

    # A team that wants the hook to run Checkov on what changed says so in the config.
    (repo / ".gitops-compliance.yaml").write_text("checkov:\n  cache_miss: run\n")
    thorough = scan(repo, "--checkov", "cached")
    assert thorough["notes"] == []
    assert any(f["unit"] == "kubernetes" and f["engine"] == "checkov"
               for f in thorough["findings"])
    assert run_cli("scan", str(repo), "--checkov", "cached", "--no-cache").code == 2
    off = scan(repo, "--checkov", "off")
    assert not any(f["engine"] == "checkov" for f in off["findings"])
    assert "checkov" not in off["tool"]["versions"]


def _subprocess_scan(repo: Path, *extra: str) -> subprocess.Popen[str]:
    code = ("import sys\nfrom engine.cli.main import main\n"
            f"code = main(['scan', {str(repo)!r}, *{list(extra)!r}])\n"
            "print('CHECKOV-IMPORTED' if 'checkov' in sys.modules else 'CHECKOV-NOT-IMPORTED')\n"
            "sys.exit(code)\n")
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))


def test_a_full_hit_never_imports_checkov(repo_factory: Callable[..., Path],
                                         tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    report = tmp_path / "out.json"
    # A miss in a fresh process imports Checkov (so this test can fail)...
    first = _subprocess_scan(repo, "-o", f"json={report}")
    out, err = first.communicate(timeout=300)
    assert first.returncode == 1, err
    assert out.strip().endswith("CHECKOV-IMPORTED")
    # ...a full hit does not, and decides the same.
    second = _subprocess_scan(repo, "-o", f"json={tmp_path / 'warm.json'}")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 1, err
    assert out.strip().endswith("CHECKOV-NOT-IMPORTED")
    cold = json.loads(report.read_text())
    warm = json.loads((tmp_path / "warm.json").read_text())
    assert warm["scan"]["cache"]["hits"] == 9
    assert outcome(warm) == outcome(cold)
    assert warm["tool"]["versions"]["checkov"] == cold["tool"]["versions"]["checkov"]


def test_concurrent_scans_share_one_cache(repo_factory: Callable[..., Path],
                                         tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    reports = [tmp_path / f"run{i}.json" for i in range(2)]
    runs = [_subprocess_scan(repo, "-o", f"json={report}") for report in reports]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 1, err
    expected = outcome(scan(repo, "--no-cache"))
    for report in reports:
        assert outcome(json.loads(report.read_text())) == expected
    warm = scan(repo)
    assert warm["scan"]["cache"]["hits"] == 9 and outcome(warm) == expected


def test_the_cache_holds_no_secret_values(repo_factory: Callable[..., Path],
                                          private_result_cache: Path) -> None:
    """Loads are cached after redaction: the cache is as clean as the reports."""
    from tests.e2e.test_scan_cli import SECRET_VALUES

    repo = repo_factory("e2e/noncompliant")
    scan(repo)
    stored = b"".join(p.read_bytes() for p in private_result_cache.rglob("*.json"))
    assert b'"$redacted"' in stored  # the Secret's data was cached, redacted
    for value in SECRET_VALUES:
        assert value.encode() not in stored


def test_rendered_chart_units_are_cached_per_values_set(tmp_path: Path) -> None:
    """Checkov's results on rendered objects are cached per chart unit (chart + values set),
    keyed on what Checkov is given: a warm scan runs no engine at all, and a values change
    that changes the rendered objects misses only its own unit."""
    import git

    from tests.helm_helpers import scorer_repo

    repo = scorer_repo(tmp_path / "repo")
    cold = scan(repo)
    units = [u["identity"] for u in cold["scan"]["units"]]
    assert "chart:scorer@values-prod.yaml" in units
    assert any(f["engine"] == "checkov" and f["unit"] == "chart:scorer@values-prod.yaml"
               for f in cold["findings"])
    warm = scan(repo)
    assert warm["scan"]["cache"]["misses"] == 0 and warm["scan"]["cache"]["hits"] > 0
    assert outcome(warm) == outcome(cold)

    values = repo / "scorer" / "values-prod.yaml"
    values.write_text(values.read_text().replace("replicaCount: 2", "replicaCount: 3"))
    git.Repo(repo).git.add(A=True)
    changed = scan(repo, "--checkov", "cached")
    # Only the prod unit's Checkov entry is new: it is skipped with a note, not run.
    assert changed["notes"] and "chart:scorer@values-prod.yaml" in changed["notes"][0]
    assert "chart:scorer@defaults" not in changed["notes"][0]
    assert_same_as_uncached(repo, scan(repo))
