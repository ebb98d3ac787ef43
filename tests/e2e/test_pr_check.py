"""End-to-end: the PR-check formats on real scans of real git repositories, and the
action's script (scripts/pr-check.sh) on real shallow and full clones.

Rego-only (``--no-checkov``) except the one scan of the hostile fixture repository, where
Checkov's CKV_K8S_16 fires on the privileged containers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import git
import pytest

from engine.report.text import clean
from tests.conftest import FIXTURES, REPO_ROOT, make_repo, run_cli
from tests.e2e.test_git_modes import CONFIGMAP, SECRET, commit
from tests.report.sarif_check import validate_sarif
from tests.report.test_ci_formats import (
    OUR_COMMAND,
    assert_tables_intact,
    html_of,
    parse_command,
)

HOSTILE_POD = "k8s/pod <b>|`x`::error::y%0A.yaml"


def results_by(document: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    """SARIF results by (rule id, artifact URI, start line)."""
    out = {}
    for result in document["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        out[(result["ruleId"], location["artifactLocation"]["uri"],
             location["region"]["startLine"])] = result
    return out


def test_diff_new_only_in_every_ci_format(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"k8s/app.yaml": SECRET, "k8s/settings.yaml": CONFIGMAP})
    repo.git.checkout("-b", "feature")
    commit(repo, {"k8s/app.yaml": "# reviewed\n" + SECRET + "---\n"
                  + SECRET.replace("registry", "new")}, "a second secret")
    out = tmp_path / "out"
    out.mkdir()

    def scan() -> tuple[int, str]:
        run = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov",
                      "-o", f"sarif={out / 'r.sarif'}", "-o", "github",
                      "-o", f"markdown={out / 'r.md'}", "-o", f"junit={out / 'r.xml'}")
        return run.code, run.out

    code, github = scan()
    assert code == 1
    document = json.loads((out / "r.sarif").read_text())
    validate_sarif(document)
    results = results_by(document)
    new = results[("ENC-05", "k8s/app.yaml", 7)]
    old = results[("ENC-05", "k8s/app.yaml", 2)]
    assert (new["baselineState"], new["properties"]["resource"]) == ("new", "Secret/ml/new")
    assert (old["baselineState"], old["properties"]["resource"]) == ("unchanged",
                                                                     "Secret/ml/registry")
    assert new["properties"]["blocksMerge"] is True and old["properties"]["blocksMerge"] is False
    assert document["runs"][0]["properties"]["baseCommit"] == repo.git.merge_base("main", "HEAD")

    errors = [parse_command(line) for line in github.splitlines() if line.startswith("::error")]
    assert [(p["file"], p["line"]) for _, p, _ in errors] == [("k8s/app.yaml", "7")]
    assert errors[0][1]["title"].startswith("ENC-05 (")
    warnings = [parse_command(line) for line in github.splitlines()
                if line.startswith("::warning")]
    assert ("k8s/app.yaml", "2") in [(p["file"], p["line"]) for _, p, _ in warnings]

    markdown = (out / "r.md").read_text()
    assert markdown.startswith("### ❌ gitops-compliance: BLOCKED (exit 1)")
    row = next(line for line in markdown.splitlines() if line.startswith("| ❌ blocks |"))
    assert "| ENC-05 | Secret/ml/new | k8s/app.yaml:7 |" in row
    assert re.search(r"\| pre-existing \| \w+ \| ENC-05 \| Secret/ml/registry \| "
                     r"k8s/app.yaml:2 \|", markdown)

    suites = ET.parse(out / "r.xml").getroot()
    failures = [(c.get("classname"), c.get("file"), c.get("line"))
                for c in suites.iter("testcase") if c.find("failure") is not None]
    assert failures == [("ENC-05", "k8s/app.yaml", "7")]
    skipped = {(c.get("classname"), c.get("line")): c.find("skipped")
               for c in suites.iter("testcase") if c.find("skipped") is not None}
    assert skipped[("ENC-05", "2")].get("message", "").startswith("pre-existing")  # type: ignore[union-attr]

    # A second run gives the same fingerprints (and the same SARIF, byte for byte).
    first = (out / "r.sarif").read_text()
    assert scan()[0] == 1
    again = json.loads((out / "r.sarif").read_text())
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == \
        [r["partialFingerprints"] for r in document["runs"][0]["results"]]
    assert (out / "r.sarif").read_text() == first


@pytest.mark.slow  # loads Checkov
def test_hostile_repository_renders_inert_in_every_format(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, source=FIXTURES / "report" / "injection")
    out = tmp_path / "out"
    out.mkdir()
    formats = {"sarif": "r.sarif", "junit": "r.xml", "markdown": "r.md", "json": "r.json"}
    run = run_cli("scan", str(root), "-o", "github",
                  *[f"-o{fmt}={out / name}" for fmt, name in formats.items()])
    assert run.code == 1, run.err

    document = json.loads((out / "r.sarif").read_text())
    validate_sarif(document)
    results = results_by(document)
    pod_uri = "k8s/pod%20%3Cb%3E%7C%60x%60%3A%3Aerror%3A%3Ay%250A.yaml"
    assert ("CKV_K8S_16", pod_uri, 2) in results
    deployment = results[("CKV_K8S_16", "k8s/hostile.yaml", 7)]
    assert "\n::error file=pwned.tf" in deployment["properties"]["resource"]  # data, intact

    github = run.out
    assert "\x1b" not in github and "\x00" not in github
    files = set()
    for line in github.splitlines():
        assert OUR_COMMAND.match(line), line
        _, properties, _ = parse_command(line)
        files.add(properties.get("file"))
        if "CKV_K8S_16" in properties.get("title", ""):
            assert properties["file"] in {"k8s/hostile.yaml", HOSTILE_POD}
    assert files <= {"k8s/hostile.yaml", HOSTILE_POD, "infra/main.tf", None}
    assert f"file={HOSTILE_POD.replace(':', '%3A').replace('%0A', '%250A')},line=2," in github

    markdown = (out / "r.md").read_text()
    html = html_of(markdown)
    assert "<script" not in markdown and "<script" not in html and "<a " not in html
    assert "<img" not in html
    assert_tables_intact(markdown)
    assert "k8s/pod &lt;b&gt;\\|\\`x\\`::error::y%0A.yaml:2" in markdown

    junit = ET.parse(out / "r.xml").getroot()
    assert {e.tag for e in junit.iter()} <= {"testsuites", "testsuite", "testcase", "failure",
                                             "skipped", "error", "system-out"}
    privileged = {c.get("file") for c in junit.iter("testcase")
                  if c.get("classname") == "CKV_K8S_16" and c.find("failure") is not None}
    assert privileged == {"k8s/hostile.yaml", clean(HOSTILE_POD)}


# -- action.yml, the workflow and scripts/pr-check.sh ------------------------------------

ACTION = REPO_ROOT / "action.yml"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "compliance.yml"
SCRIPT = REPO_ROOT / "scripts" / "pr-check.sh"
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its vendored copy of the schema; any network use fails."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=120)


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-actions", ACTION),
                                              ("vendor.github-workflows", WORKFLOW)])
def test_action_and_workflow_match_githubs_schemas_offline(schema: str, path: Path,
                                                           tmp_path: Path) -> None:
    run = check_jsonschema(schema, path)
    assert run.returncode == 0, run.stdout + run.stderr
    # The check can fail: the same file with a misspelt key does not validate.
    broken = tmp_path / path.name
    broken.write_text(path.read_text().replace("runs:", "run:", 1)
                      .replace("jobs:", "job:", 1))
    assert check_jsonschema(schema, broken).returncode != 0


def test_no_expression_is_expanded_inside_a_shell_script() -> None:
    # ${{ }} inside `run:` is pasted into the script before bash sees it: script injection.
    import yaml

    for path in (ACTION, WORKFLOW):
        document = yaml.safe_load(path.read_text())
        steps = (document.get("runs", {}).get("steps", [])
                 + [s for job in document.get("jobs", {}).values() for s in job["steps"]])
        runs = [step["run"] for step in steps if "run" in step]
        assert runs or path == WORKFLOW
        for script in runs:
            assert "${{" not in script, (path.name, script)


def cli_without_checkov(tmp_path: Path) -> Path:
    """The installed command, Rego-only (the script's own flags are what is tested)."""
    wrapper = tmp_path / "gitops-compliance"
    command = Path(sys.executable).parent / "gitops-compliance"
    wrapper.write_text(f'#!/bin/sh\nexec "{command}" "$@" --no-checkov\n')
    wrapper.chmod(0o755)
    return wrapper


def pull_request_origin(tmp_path: Path) -> Path:
    """An origin with main and a feature branch three commits ahead (a new Secret)."""
    origin = tmp_path / "origin"
    repo = make_repo(origin, {"k8s/settings.yaml": CONFIGMAP})
    commit(repo, {"k8s/other.yaml": CONFIGMAP.replace("settings", "other")}, "main moves on")
    repo.git.checkout("-b", "feature", "HEAD~1")
    commit(repo, {"k8s/a.yaml": CONFIGMAP.replace("settings", "a")}, "one")
    commit(repo, {"k8s/b.yaml": CONFIGMAP.replace("settings", "b")}, "two")
    commit(repo, {"k8s/secret.yaml": SECRET}, "three: a secret")
    return origin


def run_script(clone: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    github = tmp_path / "github"
    github.mkdir(exist_ok=True)
    for name in ("output", "summary"):
        (github / name).write_text("")
    variables = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path),
        "GITOPS_COMPLIANCE_CACHE_DIR": str(tmp_path / "cache"),
        "GC_BASE": "main", "GC_CLI": str(cli_without_checkov(tmp_path)),
        "GC_SARIF": str(github / "r.sarif"), "GC_JUNIT": str(github / "r.xml"),
        "GITHUB_OUTPUT": str(github / "output"), "GITHUB_STEP_SUMMARY": str(github / "summary"),
        "RUNNER_TEMP": str(github), **env}
    return subprocess.run(["bash", str(SCRIPT)], cwd=clone, capture_output=True, text=True,
                          env=variables, timeout=300)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_script_on_a_shallow_clone_without_fetching_is_exit_2(tmp_path: Path) -> None:
    origin = pull_request_origin(tmp_path)
    clone = tmp_path / "clone"
    git.Repo.clone_from(origin.as_uri(), clone, depth=1, branch="feature")
    git.Repo(clone).git.fetch("--depth", "1", "origin", "main:refs/remotes/origin/main")
    run = run_script(clone, tmp_path, GC_FETCH="false")
    assert run.returncode == 2, run.stderr
    assert "merge-base not found" in run.stderr
    assert (tmp_path / "github" / "output").read_text() == "exit-code=2\n"
    assert not (tmp_path / "github" / "r.sarif").exists()  # never "everything is new"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("depth", [1, 0], ids=["shallow", "full"])
def test_script_finds_the_merge_base_and_writes_every_report(tmp_path: Path,
                                                             depth: int) -> None:
    origin = pull_request_origin(tmp_path)
    clone = tmp_path / "clone"
    if depth:
        git.Repo.clone_from(origin.as_uri(), clone, branch="feature", depth=depth)
    else:
        git.Repo.clone_from(origin.as_uri(), clone, branch="feature")
    run = run_script(clone, tmp_path, GC_DEEPEN_STEP="1")
    assert run.returncode == 1, run.stderr
    assert (tmp_path / "github" / "output").read_text() == "exit-code=1\n"
    # the clone now has the merge-base the origin has
    expected = git.Repo(origin).git.merge_base("main", "feature")
    assert git.Repo(clone).git.merge_base("HEAD", "origin/main") == expected
    # annotations first, then the text report fenced off from command processing
    lines = run.stdout.splitlines()
    error = parse_command(next(line for line in lines if line.startswith("::error")))
    assert (error[1]["file"], error[1]["line"], error[1]["title"][:6]) == (
        "k8s/secret.yaml", "1", "ENC-05")
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[stop].split("::")[2]
    assert len(token) == 32 and lines[-1] == f"::{token}::"
    assert "✗ ENC-05  Secret/ml/registry  k8s/secret.yaml:1" in run.stdout
    # only the pull request's own changes are reported (main's later commit is not)
    sarif = json.loads((tmp_path / "github" / "r.sarif").read_text())
    validate_sarif(sarif)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]} == {"k8s/secret.yaml"}
    summary = (tmp_path / "github" / "summary").read_text()
    assert summary.startswith("### ❌ gitops-compliance: BLOCKED (exit 1)")
    assert ET.parse(tmp_path / "github" / "r.xml").getroot().get("failures") == "1"


def test_markdown_limit_below_the_minimum_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {"k8s/settings.yaml": CONFIGMAP})
    run = run_cli("scan", str(root), "--no-checkov", "-o", "markdown", "--markdown-limit", "100")
    assert run.code == 2
    assert "--markdown-limit: 100 is below the minimum of 4096 bytes" in run.err
    run = run_cli("scan", str(root), "--no-checkov", "-o", "markdown", "--markdown-limit",
                  "4096")
    assert run.code == 0 and run.out.startswith("### ✅ gitops-compliance: COMPLIANT (exit 0)")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_script_never_prints_a_report_it_did_not_write(tmp_path: Path) -> None:
    # The text report lives in a folder of the run's own: a report left by an earlier run
    # (or a concurrent job on the same host) is never printed as this run's.
    origin = pull_request_origin(tmp_path)
    clone = tmp_path / "clone"
    git.Repo.clone_from(origin.as_uri(), clone, branch="feature")
    (tmp_path / "github").mkdir()
    (tmp_path / "github" / "gitops-compliance.txt").write_text("STALE REPORT\n")
    failing = tmp_path / "failing-cli"
    failing.write_text("#!/bin/sh\necho 'gitops-compliance: error: broken' >&2\nexit 2\n")
    failing.chmod(0o755)
    run = run_script(clone, tmp_path, GC_CLI=str(failing))
    assert run.returncode == 2
    assert "STALE REPORT" not in run.stdout and "::stop-commands::" not in run.stdout
    assert sorted(p.name for p in (tmp_path / "github").iterdir()) == [
        "gitops-compliance.txt", "output", "summary"]  # its own folder is removed
