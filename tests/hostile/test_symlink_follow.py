"""Symlinks followed the way the tool that reads them follows them (docs/limits.md, "Path
rules"): Helm's loader follows links to folders, Argo CD and Flux read a checkout where a
linked folder is the folder it leads to, and a git revision is read as its checkout would
be. Whatever the chain, nothing outside the repository is read, and a harmless link inside
it is neither an error nor a hole."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import git
import pytest

from tests.conftest import run_cli
from tests.hostile.seeds import JOB, SEED_FINDINGS, error_for, failed, scan, seed_repo

pytestmark = pytest.mark.slow

OUTSIDE_NAME = "outside-only-5c1d"
OUTSIDE_POD = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {OUTSIDE_NAME}
spec:
  containers:
    - name: x
      image: nginx:1.25
      securityContext:
        privileged: true
"""
CHART_FINDING = ("GXP-10", "Deployment/release-namespace/web-web",
                 "web/templates/deployment.yaml")


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    (folder / "deep").mkdir(parents=True)
    (folder / "pod.yaml").write_text(OUTSIDE_POD)
    (folder / "deep" / "pod.yaml").write_text(OUTSIDE_POD)
    return folder


def _link(repo: Path, name: str, target: str | Path) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, repo / name)


# -- Helm: the chart walk follows links to folders, as Helm's loader does ----------------


@pytest.mark.parametrize("links,named", [
    # The reviewer's repro: the linked folder is inside the repository (node_modules, which
    # is never scanned), the file in it leads out.
    ({"web/templates/more": "../../node_modules/x",
      "node_modules/x/pod.yaml": "{outside}/pod.yaml"}, "web/templates/more/pod.yaml"),
    # The linked folder lives in the scanned tree; its file leads out.
    ({"web/templates/more": "../../shared",
      "shared/leak.yaml": "{outside}/pod.yaml"}, "web/templates/more/leak.yaml"),
    # A chain of folder links, the last one leading out, two levels below the chart.
    ({"web/templates/a": "../../lib", "lib/b": "../lib2", "lib2/c": "{outside}/deep"},
     "web/templates/a/b/c"),
])
def test_a_link_out_of_the_repository_through_a_linked_folder_stops_the_chart(
        tmp_path: Path, links: dict[str, str], named: str) -> None:
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, target in links.items():
        _link(repo, name, target.format(outside=outside))
    seed_repo(repo)
    code, document = scan(repo)
    assert code == 3
    chart = [e for e in document["errors"] if e["unit"] == "chart:web@defaults"]
    assert [(e["code"], e["file"]) for e in chart] == [("path-error", named)]
    assert (f"{named}: a symlink that leads out of the repository; the chart was not "
            "rendered") in chart[0]["message"]
    # The chart never reached Helm: nothing of it, nothing from outside, in any finding.
    assert failed(document) >= SEED_FINDINGS - {CHART_FINDING}
    assert CHART_FINDING not in failed(document)
    assert OUTSIDE_NAME not in str(document["findings"])


def test_a_fifo_reached_through_a_linked_folder_stops_the_chart(tmp_path: Path) -> None:
    repo = seed_repo(tmp_path / "repo", {"pipes/README.md": "pipes\n"})
    _link(repo, "web/templates/extra", "../../pipes")
    os.mkfifo(repo / "pipes" / "pipe.yaml")  # after the commit: git cannot add a FIFO
    code, document = scan(repo)  # never returns if Helm (or a hash) opened the FIFO
    assert code == 3
    chart = error_for(document, "web/templates/extra/pipe.yaml")
    assert chart["code"] == "path-error" and "a FIFO" in chart["message"]
    assert chart["unit"] == "chart:web@defaults"
    assert ("GPU-01", "Job/ml/train", "k8s/job.yaml") in failed(document)


LINKED_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: linked
spec:
  selector:
    matchLabels: {app: linked}
  template:
    metadata:
      labels: {app: linked}
    spec:
      containers:
        - name: linked
          image: nginx:1.25
"""


def test_a_linked_folder_inside_the_repository_is_rendered_and_keys_the_cache(
        tmp_path: Path) -> None:
    repo = seed_repo(tmp_path / "repo", {"shared/templates/linked.yaml": LINKED_TEMPLATE})
    _link(repo, "web/templates/more", "../../shared/templates")
    rendered = ("GXP-10", "Deployment/release-namespace/linked",
                "web/templates/more/linked.yaml")
    code, document = scan(repo)
    assert code == 1, document["errors"]
    assert rendered in failed(document)
    # The render is cached; a change in the linked folder must still be seen.
    (repo / "shared" / "templates" / "linked.yaml").write_text(
        LINKED_TEMPLATE.replace("name: linked", "name: renamed"))
    code, document = scan(repo)
    assert rendered not in failed(document)
    assert ("GXP-10", "Deployment/release-namespace/renamed",
            "web/templates/more/linked.yaml") in failed(document)
    assert CHART_FINDING in failed(document)
    # The linked file now leads out: no cached render of the chart may be served.
    outside = _outside(tmp_path)
    (repo / "shared" / "templates" / "linked.yaml").unlink()
    _link(repo, "shared/templates/linked.yaml", outside / "pod.yaml")
    code, document = scan(repo)
    assert code == 3
    assert {(e["code"], e["file"], e["unit"]) for e in document["errors"]} == {
        ("path-error", "web/templates/more/linked.yaml", "chart:web@defaults"),
        ("path-error", "shared/templates/linked.yaml", "")}
    assert CHART_FINDING not in failed(document)
    assert OUTSIDE_NAME not in str(document["findings"])


def test_a_chart_behind_a_linked_folder_renders_the_same_from_a_revision(
        tmp_path: Path) -> None:
    # A revision that is not the working tree is written to a snapshot folder: a link to a
    # folder is written as a link there (with the folder it leads to), so Helm renders the
    # chart's linked templates from the revision as it does from the working tree.
    repo = seed_repo(tmp_path / "repo", {"shared/templates/linked.yaml": LINKED_TEMPLATE})
    _link(repo, "web/templates/more", "../../shared/templates")
    repository = git.Repo(repo)
    repository.git.add("-A")
    repository.index.commit("link the shared templates into the chart")
    rendered = ("GXP-10", "Deployment/release-namespace/linked",
                "web/templates/more/linked.yaml")
    code, at_worktree = scan(repo)
    assert code == 1 and rendered in failed(at_worktree)
    # The working tree moves on (the linked template is renamed), so --ref HEAD must be
    # read from git objects, not from the working tree.
    (repo / "shared" / "templates" / "linked.yaml").write_text(
        LINKED_TEMPLATE.replace("name: linked", "name: moved-on"))
    code, at_head = scan(repo, "--ref", "HEAD")
    assert code == 1, at_head["errors"]
    assert failed(at_head) == failed(at_worktree)
    assert at_head["errors"] == []


# -- Argo CD and Flux: a path through a linked folder is the chart it leads to -----------


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: linked
  namespace: argocd
spec:
  destination: {namespace: web-prod}
  source:
    repoURL: https://example.com/repo.git
    path: apps/web
    helm:
      valueFiles: [values-prod.yaml]
"""
FLUX = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: linked
  namespace: flux
spec:
  targetNamespace: web-flux
  chart:
    spec:
      chart: ./apps/web
      sourceRef: {kind: GitRepository, name: repo}
"""


def test_argo_and_flux_paths_through_a_linked_folder_render_the_chart(tmp_path: Path) -> None:
    repo = seed_repo(tmp_path / "repo", {"deploy/argo.yaml": ARGO, "deploy/flux.yaml": FLUX,
                                         "web/values-prod.yaml": "replicas: 3\n"})
    _link(repo, "apps/web", "../web")
    code, document = scan(repo)
    assert code == 1, document["errors"]
    rendered = {(f["resource"], f["file"], f.get("values_set")) for f in document["findings"]
                if f["status"] == "failed" and f["policy_id"] == "GXP-10"}
    assert {("Deployment/web-prod/linked-web", "web/templates/deployment.yaml",
             "Application/argocd/linked"),
            ("Deployment/web-flux/web-flux-linked-web", "web/templates/deployment.yaml",
             "HelmRelease/flux/linked")} <= rendered
    assert document["errors"] == []


def test_argo_path_through_a_link_out_of_the_repository_is_an_error(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    (outside / "chart" / "templates").mkdir(parents=True)
    (outside / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 0.1.0\n")
    repo = seed_repo(tmp_path / "repo", {"deploy/argo.yaml": ARGO})
    _link(repo, "apps/web", outside / "chart")
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, "deploy/argo.yaml")
    assert error["code"] == "descriptor-error"
    assert "source path 'apps/web' leaves the repository" in error["message"]


# -- git revisions read as their checkout: the same verdict as the working tree ----------


def _parity_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose links cover every case, committed; then a later commit so that
    ``--ref`` of the first one is read from git objects, not from the working tree."""
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    links = {
        "k8s/common": "../shared",  # a folder inside: skipped, its files scanned where they are
        "k8s/b.yaml": "job.yaml",  # a link to a file
        "k8s/c.yaml": "b.yaml",  # a link to a link to a file
        "k8s/via.yaml": "common/job2.yaml",  # through a linked folder
        "k8s/none.yaml": "missing.yaml",  # to nothing: nothing to read
        "k8s/loop1.yaml": "loop2.yaml",
        "k8s/loop2.yaml": "loop1.yaml",
        "k8s/abs.yaml": str(outside / "pod.yaml"),
        "k8s/climb.yaml": "common/../../../outside/pod.yaml",  # out through a linked folder
    }
    for name, target in links.items():
        _link(repo, name, target)
    seed_repo(repo, {"shared/job2.yaml": JOB.replace("name: train", "name: train2")})
    repository = git.Repo(repo)
    first = repository.head.commit.hexsha
    (repo / "README.md").write_text("later\n")
    repository.index.add(["README.md"])
    repository.index.commit("later")
    return repo, first


def _outcome(document: dict[str, Any]) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    def kind(message: str) -> str:
        return "loop" if "symbolic link loop" in message else (
            "outside" if "leads outside the" in message else message)
    return failed(document), {(e["file"], kind(e["message"])) for e in document["errors"]}


def test_links_in_a_revision_are_followed_as_in_the_working_tree(tmp_path: Path) -> None:
    repo, first = _parity_repo(tmp_path)
    expected_errors = {("k8s/loop1.yaml", "loop"), ("k8s/loop2.yaml", "loop"),
                       ("k8s/abs.yaml", "outside"), ("k8s/climb.yaml", "outside")}
    expected_jobs = {("GPU-01", "Job/ml/train", "k8s/b.yaml"),
                     ("GPU-01", "Job/ml/train", "k8s/c.yaml"),
                     ("GPU-01", "Job/ml/train2", "k8s/via.yaml"),
                     ("GPU-01", "Job/ml/train2", "shared/job2.yaml")}
    outcomes = {}
    for label, args in (("worktree", ()), ("ref", ("--ref", first))):
        run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", *args)
        assert run.code == 3, (label, run.err)
        outcomes[label] = _outcome(run.json())
        assert outcomes[label][1] == expected_errors, label
        assert OUTSIDE_NAME not in run.out
    worktree_findings = outcomes["worktree"][0]
    assert expected_jobs | SEED_FINDINGS <= worktree_findings
    assert outcomes["ref"][0] == worktree_findings
    assert not any(f[2].startswith("k8s/common") for f in worktree_findings)


def test_revision_link_messages_say_which_case(tmp_path: Path) -> None:
    repo, first = _parity_repo(tmp_path)
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--ref", first)
    document = run.json()
    assert error_for(document, "k8s/loop1.yaml")["message"] == (
        "symbolic link loop (more than 40 links to follow): not followed, not scanned")
    assert error_for(document, "k8s/climb.yaml")["message"] == (
        "symbolic link that leads outside the revision (an absolute target or a '..' above "
        "its root): not followed, not scanned")
    assert not [e for e in document["errors"] if e["file"].startswith("k8s/common")]


@pytest.mark.parametrize("hops,resolves", [(40, True), (41, False)])
def test_a_chain_of_links_is_followed_up_to_the_kernel_limit(
        tmp_path: Path, hops: int, resolves: bool) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    for index in range(1, hops):
        os.symlink(f"l{index + 1}", repo / "k8s" / f"l{index}")
    os.symlink("../jobs/job.yaml", repo / "k8s" / f"l{hops}")
    os.symlink("l1", repo / "k8s" / "entry.yaml")  # entry.yaml -> l1 -> ... : hops + 1 links
    seed_repo(repo, {"jobs/job.yaml": JOB}, seed=False)
    # entry.yaml is one more link than the chain: resolvable only when the chain is < 40.
    repository = git.Repo(repo)
    first = repository.head.commit.hexsha
    (repo / "README.md").write_text("later\n")
    repository.index.add(["README.md"])
    repository.index.commit("later")
    for args in ((), ("--ref", first)):
        run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", *args)
        document = run.json()
        looped = {e["file"] for e in document["errors"] if "loop" in e["message"]}
        if resolves:
            assert "k8s/l1" not in looped and "k8s/entry.yaml" in looped, args
        else:
            assert {"k8s/l1", "k8s/entry.yaml"} <= looped, args
