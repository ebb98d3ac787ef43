"""Fixture charts of the Helm tests in real git repositories (tests/fixtures/helm)."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Sequence
from pathlib import Path

from engine.config import HelmConfig
from engine.discover.units import Discovery, discover
from engine.load.helm.units import HelmLoad, load_helm
from engine.load.kubernetes import load_manifests
from engine.model import UnitKind
from engine.source.worktree import worktree_snapshot
from tests.conftest import FIXTURES, make_repo

HELM = FIXTURES / "helm"


def pack_chart(source: Path, archive: Path) -> None:
    """A chart archive as ``helm package`` lays it out: one top folder named for the chart."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(source.rglob("*")):
            tar.add(path, arcname=f"{source.name}/{path.relative_to(source).as_posix()}",
                    recursive=False)


def scorer_repo(target: Path, files: dict[str, str] | None = None, *,
                descriptors: bool = False) -> Path:
    """The scorer chart (with its metrics subchart packed as a .tgz) in a git repository."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(HELM / "scorer", target / "scorer")
    pack_chart(HELM / "archives" / "metrics", target / "scorer" / "charts" / "metrics-0.1.0.tgz")
    if descriptors:
        shutil.copytree(HELM / "deploy", target / "deploy")
    make_repo(target, files)
    return target


def render_all(root: Path, config: HelmConfig | None = None,
               scope: Sequence[str] = ("",), *, in_git: bool = True) -> tuple[Discovery, HelmLoad]:
    """Discovery and Helm loading exactly as a scan runs them (real Helm, real worker)."""
    snapshot = worktree_snapshot(root, in_git)
    config = config or HelmConfig()
    found = discover(root, snapshot.files, scope, [], config)
    kubernetes = [r for u in found.units if u.kind is UnitKind.KUBERNETES
                  for r in load_manifests(root, u.files).resources]
    return found, load_helm(root, found.units, found.values_sets, kubernetes, found.charts,
                            found.files, config)
