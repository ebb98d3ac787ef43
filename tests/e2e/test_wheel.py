"""The wheel carries policies/ and reports/: build it, install it (not editable) in a fresh
virtualenv and scan a fixture with the built-in policies (DESIGN.md §8, "Installable")."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def test_wheel_installs_and_scans_with_builtin_policies(
        tmp_path: Path, repo_factory: Callable[..., Path]) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(REPO_ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("gitops_compliance-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/policies/checkov/severity_map.yaml" in names
    assert any(n.startswith("engine/policies/rego/") and n.endswith(".rego") for n in names)
    assert "engine/schemas/input-v1.json" in names
    assert "engine/reports/scan.html.j2" in names  # the HTML report's template
    assert "engine/reports/quarterly.html.j2" in names  # the quarterly report's
    assert "engine/schemas/quarterly-report-v1.json" in names
    assert not any(n.startswith(("policies/", "reports/", "tests/", "manifests/"))
                   for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    # Dependencies come from this test environment (no network here); a plain path entry
    # does not process that folder's .pth files, so the editable install stays invisible.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)

    repo = repo_factory("e2e/noncompliant")
    done = subprocess.run(
        [str(python), "-m", "engine", "scan", str(repo), "--no-checkov", "-o", "json",
         "-o", "html=scan.html"],
        capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert 'data-verdict="blocked"' in (tmp_path / "scan.html").read_text(encoding="utf-8")
    fired = {(f["policy_id"], f["resource"]) for f in document["findings"]}
    assert ("IAM-02", "aws_iam_policy.pipeline") in fired
    assert ("GPU-01", "Job/ml-training/train-resnet") in fired
    where = subprocess.run([str(python), "-c", "import engine; print(engine.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(site))
