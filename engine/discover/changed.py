"""Which units a change touches (DESIGN.md §3: "in staged and diff modes only the changed
units are reported"). See docs/git-gating.md for what "reported" means.

- a Terraform module directory is changed when a Terraform file in it was added, modified,
  renamed (either name) or deleted: any file of a module can change any of its resources;
- a plan JSON unit is changed when its file is;
- the Kubernetes unit holds every object of the scope, so reporting it whole would report
  the repository on every commit: it is narrowed to the changed files (same identity, so
  fingerprints do not move), and data.inventory still holds every object of the scope;
- a Helm or Kustomize unit is changed when one of its files, or any path under its folder,
  is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from pathlib import PurePosixPath

from engine.discover.units import _is_terraform
from engine.model import ScanError, Unit, UnitKind


def changed_units(units: Sequence[Unit], changed: AbstractSet[str]) -> tuple[Unit, ...]:
    """The units of ``units`` that ``changed`` paths (both names of a rename) touch."""
    terraform_dirs = {_parent(p) for p in changed if _is_terraform(PurePosixPath(p).name)}
    selected: list[Unit] = []
    for unit in units:
        if unit.kind is UnitKind.TERRAFORM:
            if unit.directory in terraform_dirs or not changed.isdisjoint(unit.files):
                selected.append(unit)
        elif unit.kind is UnitKind.KUBERNETES:
            files = tuple(f for f in unit.files if f in changed)
            if files:
                selected.append(dataclasses.replace(unit, files=files))
        elif unit.kind is UnitKind.TERRAFORM_PLAN:
            if not changed.isdisjoint(unit.files):
                selected.append(unit)
        elif not changed.isdisjoint(unit.files) or any(_under(p, unit.directory)
                                                       for p in changed):
            selected.append(unit)
    return tuple(selected)


def concerns_units(error: ScanError, units: Sequence[Unit], changed: AbstractSet[str]) -> bool:
    """Whether ``error`` is about the ``units`` a change touches (or about the scan)."""
    if not error.file or error.file in changed:
        return True
    kind, _, directory = error.unit.partition(":")
    if kind in (UnitKind.HELM.value, UnitKind.KUSTOMIZE.value) and directory:
        return any(_under(p, directory) for p in changed)
    for unit in units:
        if unit.kind is UnitKind.KUBERNETES:
            if error.file in unit.files:
                return True
        elif error.unit == unit.identity or error.file in unit.files:
            return True
    return False


def _parent(path: str) -> str:
    parent = PurePosixPath(path).parent.as_posix()
    return "" if parent == "." else parent


def _under(path: str, directory: str) -> bool:
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")
