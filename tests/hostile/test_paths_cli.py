"""Path rules (docs/limits.md): nothing outside the repository is read, whatever a link, a
``..`` or a module source says; binary files and FIFOs with IaC names are reported, not
parsed. Each rule: the error names the file, exit 3, and the rest of the scan is reported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import make_repo, run_cli
from tests.hostile.seeds import JOB, SEED, SEED_FINDINGS, error_for, failed, scan, seed_repo

pytestmark = pytest.mark.slow

# A name that appears only outside the repository: it must never reach a report.
OUTSIDE_NAME = "outside-only-7f3a"


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    (folder / "chart" / "templates").mkdir(parents=True)
    (folder / "job.yaml").write_text(JOB.replace("name: train", f"name: {OUTSIDE_NAME}"))
    (folder / "values.yaml").write_text(f"image: {OUTSIDE_NAME}\n")
    (folder / "main.tf").write_text(f'resource "aws_s3_bucket" "{OUTSIDE_NAME.replace("-", "_")}"'
                                    ' {\n  bucket = "x"\n}\n')
    (folder / "chart" / "Chart.yaml").write_text(f"apiVersion: v2\nname: {OUTSIDE_NAME}\n"
                                                 "version: 0.1.0\n")
    return folder


def _no_outside_content(document: dict[str, object], raw: str) -> None:
    assert OUTSIDE_NAME not in raw.replace(f"'{OUTSIDE_NAME}", "")  # not in any resource
    assert not any(OUTSIDE_NAME in f["resource"] for f in document["findings"])  # type: ignore


def test_symlink_out_of_the_worktree_is_reported_not_followed(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    seed_repo(repo)
    os.symlink(outside / "job.yaml", repo / "k8s" / "linked.yaml")
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, "k8s/linked.yaml")
    assert error["code"] == "path-error" and "outside the repository" in error["message"]
    assert failed(document) >= SEED_FINDINGS
    assert not any(OUTSIDE_NAME in f["resource"] for f in document["findings"])


def test_symlink_out_of_the_revision_is_reported_in_ref_mode(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(outside / "job.yaml", repo / "linked.yaml")
    os.symlink("../../etc/passwd", repo / "dots.yaml")
    seed_repo(repo)  # commits the links as git symlink blobs
    # Gone from the working tree: the revision's files are read from git objects.
    (repo / "linked.yaml").unlink()
    (repo / "dots.yaml").unlink()
    run = run_cli("scan", str(repo), "--ref", "HEAD", "--no-checkov", "-o", "json")
    assert run.code == 3, run.err
    document = run.json()
    for name in ("linked.yaml", "dots.yaml"):
        error = error_for(document, name)
        assert error["code"] == "path-error" and "outside the revision" in error["message"]
    assert failed(document) >= SEED_FINDINGS
    assert OUTSIDE_NAME not in run.out and "root:" not in run.out


def test_values_file_paths_cannot_leave_the_repository(tmp_path: Path) -> None:
    _outside(tmp_path)
    config = ("helm:\n  charts:\n    web:\n      values_sets:\n"
              "        dots: [../../outside/values.yaml]\n"
              "        absolute: [/etc/passwd]\n")
    repo = seed_repo(tmp_path / "repo", {".gitops-compliance.yaml": config,
                                         "web/values-base.yaml": "replicas: 1\n"})
    os.symlink(tmp_path / "outside" / "values.yaml", repo / "web" / "values-linked.yaml")
    (repo / ".gitops-compliance.yaml").write_text(
        config + "        linked: [values-linked.yaml]\n")
    code, document = scan(repo)
    assert code == 3
    units = {e["unit"]: e for e in document["errors"] if e["unit"].startswith("chart:")}
    assert set(units) == {"chart:web@dots", "chart:web@absolute", "chart:web@linked"}
    for error in units.values():
        assert error["code"] == "render-error"
        assert "leaves the repository" in error["message"]
    assert OUTSIDE_NAME not in str(document["findings"])


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  destination: {{namespace: web}}
  source:
    path: {path}
    helm:
      valueFiles: [{values}]
"""
FLUX = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: flux
spec:
  chart:
    spec:
      chart: {path}
      sourceRef: {{kind: GitRepository, name: repo}}
      valuesFiles: [{values}]
"""


def test_argo_and_flux_references_cannot_leave_the_repository(tmp_path: Path) -> None:
    _outside(tmp_path)
    repo = seed_repo(tmp_path / "repo", {
        "deploy/argo-chart.yaml": ARGO.format(name="a-chart", path="../outside/chart",
                                              values="values.yaml"),
        "deploy/argo-values.yaml": ARGO.format(name="a-values", path="web",
                                               values="../../outside/values.yaml"),
        "deploy/flux-chart.yaml": FLUX.format(name="f-chart", path="../../outside/chart",
                                              values="web/values.yaml"),
        "deploy/flux-values.yaml": FLUX.format(name="f-values", path="./web",
                                               values="../outside/values.yaml"),
    })
    code, document = scan(repo)
    assert code == 3
    messages = {e["file"]: e["message"] for e in document["errors"]}
    assert "source path '../outside/chart' leaves the repository" in messages[
        "deploy/argo-chart.yaml"]
    assert "values file '../../outside/values.yaml' leaves the repository" in messages[
        "deploy/argo-values.yaml"]
    assert "chart path '../../outside/chart' leaves the repository" in messages[
        "deploy/flux-chart.yaml"]
    assert "values file '../outside/values.yaml' leaves the repository" in messages[
        "deploy/flux-values.yaml"]
    assert failed(document) >= SEED_FINDINGS
    assert OUTSIDE_NAME not in str(document)


def test_terraform_module_source_outside_is_reported_and_not_followed(
        tmp_path: Path) -> None:
    # With Checkov: its Terraform runner follows local module calls, and must not here.
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    module = ('module "escape" {\n  source = "../../outside"\n}\n'
              'module "inside" {\n  source = "../modules/ok"\n}\n')
    make_repo(repo, {**SEED, "infra/modules.tf": module,
                     "modules/ok/main.tf": 'variable "x" {\n  default = 1\n}\n'})
    assert (repo / "infra" / "../../outside").resolve() == outside.resolve()
    run = run_cli("scan", str(repo / "infra"), "-o", "json")
    assert run.code == 3, run.err
    document = run.json()
    error = error_for(document, "infra/modules.tf")
    assert (error["code"], error["line"]) == ("path-error", 1)
    assert "module 'escape': source '../../outside' leads outside the repository" in \
        error["message"]
    assert ("GXP-01", "aws_s3_bucket.logs", "infra/main.tf") in failed(document)
    assert any(f["policy_id"].startswith("CKV") and f["file"] == "infra/main.tf"
               for f in document["findings"])  # Checkov ran on the module
    assert OUTSIDE_NAME.replace("-", "_") not in run.out


@pytest.mark.parametrize("name,data,problem", [
    ("infra/blob.tf", b'resource "aws_s3_bucket" "b" {\x00\x01}\n', "a NUL byte at offset 30"),
    ("k8s/blob.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", "a NUL byte at offset 8"),
    ("k8s/latin1.yml", "kind: Caf\u00e9\n".encode("latin-1"), "not UTF-8 at byte 9"),
    ("data/blob.json", b'{"apiVersion": "v1", "kind": "\xff"}', "not UTF-8 at byte 30"),
])
def test_binary_files_with_iac_names_are_reported_not_parsed(
        tmp_path: Path, name: str, data: bytes, problem: str) -> None:
    repo = tmp_path / "repo"
    (repo / name).parent.mkdir(parents=True)
    (repo / name).write_bytes(data)
    seed_repo(repo)
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, name)
    assert error["code"] == "binary-file"
    assert problem in error["message"] and "not parsed as text" in error["message"]
    assert failed(document) >= SEED_FINDINGS


def test_a_binary_template_stops_its_chart(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "web" / "templates").mkdir(parents=True)
    (repo / "web" / "templates" / "blob.yaml").write_bytes(b"kind: \x00\x00\n")
    seed_repo(repo)
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, "web/templates/blob.yaml")
    assert error["code"] == "binary-file" and error["unit"] == "chart:web@defaults"
    assert ("GPU-01", "Job/ml/train", "k8s/job.yaml") in failed(document)


@pytest.mark.parametrize("in_git", [False, True])
def test_a_fifo_named_like_a_manifest_is_never_opened(tmp_path: Path, in_git: bool) -> None:
    # Opened for reading, a FIFO blocks until a writer comes: nobody ever writes to this one,
    # so a scan that opened it would never end.
    repo = tmp_path / "repo"
    if in_git:
        seed_repo(repo)
    else:
        for name, text in SEED.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text)
    os.mkfifo(repo / "k8s" / "pipe.yaml")
    os.mkfifo(repo / "web" / "templates" / "pipe.yaml")
    code, document = scan(repo)
    assert code == 3
    chart = error_for(document, "web/templates/pipe.yaml") if in_git else next(
        e for e in document["errors"] if e["unit"] == "chart:web@defaults")
    assert chart["code"] == "path-error" and "a FIFO" in chart["message"]
    if not in_git:  # git does not list FIFOs; a plain walk does, and reports them
        listed = [e for e in document["errors"] if e["file"] == "k8s/pipe.yaml"]
        assert [(e["code"], "a FIFO" in e["message"]) for e in listed] == [("path-error", True)]
    assert ("GPU-01", "Job/ml/train", "k8s/job.yaml") in failed(document)
    shutil.rmtree(repo)
