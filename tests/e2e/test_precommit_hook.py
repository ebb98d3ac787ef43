"""The published pre-commit hook, end to end, with the real ``pre-commit`` tool and real git.

The temporary repository declares a local hook built from this project's
``.pre-commit-hooks.yaml`` (same entry, file filter and settings) that calls the installed
``gitops-compliance`` command, so nothing is reinstalled; ``pre-commit install`` wires it
into git, and plain ``git commit`` runs it. pre-commit stashes unstaged changes before a
hook runs, so the index-versus-working-copy rule is tested directly in test_git_modes.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, make_repo

pytestmark = pytest.mark.slow  # each commit starts the command, which loads Checkov

SECRET = """apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: ml}
stringData: {token: not-a-real-token}
"""
FIXED = """apiVersion: v1
kind: ConfigMap
metadata: {name: registry, namespace: ml}
data: {mode: batch}
"""


def published_hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["gitops-compliance"]
    return dict(hooks[0])


def test_published_hook_definition() -> None:
    hook = published_hook()
    assert hook["entry"] == "gitops-compliance scan --staged --checkov cached"
    assert hook["require_serial"] is True
    assert hook["pass_filenames"] is False
    assert hook["language"] == "python"


def installed_command() -> str:
    found = Path(sys.executable).parent / "gitops-compliance"
    if not found.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("gitops-compliance is not installed beside the test interpreter")
        pytest.skip("gitops-compliance is not installed beside the test interpreter")
    return str(found)


def git_commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=root, env=env, text=True,
                          capture_output=True, check=False, timeout=300)


def test_commit_is_refused_with_the_finding_then_accepted_when_fixed(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is required")
    hook = published_hook()
    command = installed_command()
    local = {**hook, "language": "system",
             "entry": str(hook["entry"]).replace("gitops-compliance", command, 1)}
    local.pop("minimum_pre_commit_version", None)
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    root = tmp_path / "repo"
    repo = make_repo(root, {".pre-commit-config.yaml": yaml.safe_dump(config),
                            "README.md": "sample\n"})
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root,
                               env=env, text=True, capture_output=True, check=False)
    assert installed.returncode == 0, installed.stderr
    assert (root / ".git" / "hooks" / "pre-commit").exists()
    before = repo.head.commit.hexsha

    (root / "k8s").mkdir()
    (root / "k8s" / "registry.yaml").write_text(SECRET)
    repo.index.add(["k8s/registry.yaml"])
    refused = git_commit(root, env, "add registry credentials")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "gitops-compliance" in output and "Failed" in output
    assert "ENC-05  Secret/ml/registry  k8s/registry.yaml:1" in output
    assert "Verdict: BLOCKED (exit 1)" in output
    assert repo.head.commit.hexsha == before

    (root / "k8s" / "registry.yaml").write_text(FIXED)
    repo.index.add(["k8s/registry.yaml"])
    accepted = git_commit(root, env, "use a ConfigMap")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr
    assert repo.head.commit.hexsha != before
    assert repo.head.commit.message.strip() == "use a ConfigMap"

    # A commit that touches no IaC file does not run the hook at all (files filter).
    (root / "README.md").write_text("sample, updated\n")
    repo.index.add(["README.md"])
    skipped = git_commit(root, env, "docs")
    assert skipped.returncode == 0
    assert "no files to check" in (skipped.stdout + skipped.stderr).lower()


@pytest.mark.parametrize(("verb", "name"), [("validate-manifest", ".pre-commit-hooks.yaml"),
                                            ("validate-config", ".pre-commit-config.yaml")])
def test_hook_files_are_valid_for_pre_commit(verb: str, name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pre_commit", verb, str(REPO_ROOT / name)],
                          text=True, capture_output=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
