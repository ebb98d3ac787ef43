"""Group the files of a scope into evaluation units (DESIGN.md §3, "discover").

- every directory with ``.tf`` files is one Terraform module unit (its ``*.tfvars`` join it);
- a JSON file holding ``terraform show -json`` output is one plan unit;
- every YAML/JSON file outside charts and Kustomize folders feeds the one Kubernetes unit;
- a folder with ``Chart.yaml`` is a Helm chart: one Helm unit per values set
  (engine/discover/helm.py), rendered at load time;
- a folder with a kustomization file is a Kustomize unit: not rendered yet, and reported as
  such (never parsed as plain manifests, never silently dropped).
"""

from __future__ import annotations

import json
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from engine.config import Exclusion, HelmConfig
from engine.discover.helm import ValuesSet, plan_charts
from engine.globs import path_matches
from engine.limits import active
from engine.model import ScanError, Unit, UnitKind

KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
YAML_SUFFIXES = (".yaml", ".yml")
TFVARS_AUTO = ".auto.tfvars"
# How much of a .json file is read to tell a plan from a Kubernetes object or other JSON.
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Discovery:
    units: tuple[Unit, ...]
    errors: tuple[ScanError, ...]
    excluded: tuple[tuple[str, str], ...]  # (path, reason) of files left out by config
    values_sets: Mapping[str, ValuesSet] = field(default_factory=dict)  # Helm unit -> set
    charts: tuple[str, ...] = ()  # every chart folder of the tree, in scope or not
    files: tuple[str, ...] = ()  # every file kept after exclusions (descriptors resolve here)


def discover(root: Path, files: Sequence[str], scope: Sequence[str],
             exclusions: Sequence[Exclusion], helm: HelmConfig | None = None) -> Discovery:
    """Units for the ``files`` (relative to ``root``) that fall inside ``scope``.

    ``scope`` entries are paths relative to the root ("" = everything). A file named in the
    scope expands to its whole unit: its module directory, its chart.
    """
    excluded: list[tuple[str, str]] = []
    kept: list[str] = []
    for name in files:
        reason = _exclusion_reason(name, exclusions)
        if reason is None:
            kept.append(name)
        elif in_scope(name, scope):
            excluded.append((name, reason))

    charts = _marker_dirs(kept, lambda base: base == "Chart.yaml")
    kustomizations = _marker_dirs(kept, lambda base: base in KUSTOMIZATION_NAMES)
    scope = _expand_scope(scope, kept, charts)

    tf_dirs: dict[str, list[str]] = defaultdict(list)
    plans: list[str] = []
    manifests: list[str] = []
    errors: list[ScanError] = []
    rendered_elsewhere: dict[str, UnitKind] = {}

    for name in kept:
        if not in_scope(name, scope):
            continue
        path = PurePosixPath(name)
        directory = path.parent.as_posix() if path.parent.as_posix() != "." else ""
        chart = _owning_dir(directory, charts)
        if chart is not None:
            rendered_elsewhere.setdefault(chart, UnitKind.HELM)
            continue
        kustomization = _owning_dir(directory, kustomizations)
        if kustomization is not None:  # its patches are not objects, in any subfolder
            rendered_elsewhere.setdefault(kustomization, UnitKind.KUSTOMIZE)
            continue
        if _is_terraform(path.name):
            tf_dirs[directory].append(name)
        elif name.endswith(YAML_SUFFIXES):
            manifests.append(name)
        elif name.endswith(".json"):
            flavour = _sniff_json(root / name)
            if flavour == "plan":
                plans.append(name)
            elif flavour == "kubernetes":
                manifests.append(name)

    units: list[Unit] = []
    for directory in sorted(tf_dirs):
        names = tuple(sorted(tf_dirs[directory]))
        if any(n.endswith((".tf", ".tf.json")) for n in names):  # tfvars alone: no module
            units.append(Unit(UnitKind.TERRAFORM, directory or ".", directory, names))
    units.extend(Unit(UnitKind.TERRAFORM_PLAN, plan, str(PurePosixPath(plan).parent), (plan,))
                 for plan in sorted(plans))
    if manifests:
        units.append(Unit(UnitKind.KUBERNETES, "kubernetes", "", tuple(sorted(manifests))))
    plan = plan_charts([d for d, k in rendered_elsewhere.items() if k is UnitKind.HELM], kept,
                       helm or HelmConfig())
    units.extend(plan.units)
    listed = set(files)
    for chart in sorted((helm or HelmConfig()).charts):
        if (f"{chart}/Chart.yaml" if chart else "Chart.yaml") not in listed:
            # A typo here would silently render the chart with the wrong values sets.
            errors.append(ScanError(
                code="config-error", invalid=True,
                message=f"helm.charts: {chart or '.'!r} is not a chart folder (no Chart.yaml "
                        "there, relative to the scan root)"))
    for directory, kind in sorted(rendered_elsewhere.items()):
        if kind is UnitKind.HELM:
            continue
        marker = _kustomization_file(kept, directory)
        marker_path = f"{directory}/{marker}" if directory else marker
        errors.append(ScanError(
            code="not-rendered",
            message="Kustomize folder not rendered: kustomize rendering is not supported yet, "
                    "so its objects were not scanned",
            file=marker_path, line=1, unit=f"{kind.value}:{directory or '.'}",
        ))
    return Discovery(tuple(units), tuple(errors), tuple(sorted(excluded)),
                     values_sets=plan.values_sets, charts=tuple(sorted(charts)),
                     files=tuple(kept))


def _is_tfvars(base: str) -> bool:
    return base in ("terraform.tfvars", "terraform.tfvars.json") or base.endswith(
        (TFVARS_AUTO, TFVARS_AUTO + ".json"))


def _is_terraform(base: str) -> bool:
    """Module files: ``.tf``, ``.tf.json`` (reported by the loader as not supported yet) and
    the variable files Terraform loads automatically."""
    return base.endswith((".tf", ".tf.json")) or _is_tfvars(base)


def _exclusion_reason(name: str, exclusions: Sequence[Exclusion]) -> str | None:
    for exclusion in exclusions:
        if path_matches(exclusion.path, name):
            return exclusion.reason
    return None


def in_scope(name: str, scope: Sequence[str]) -> bool:
    return any(s in ("", ".") or name == s or name.startswith(s.rstrip("/") + "/")
               for s in scope)


def _marker_dirs(files: Iterable[str], is_marker: Callable[[str], bool]) -> set[str]:
    found = set()
    for name in files:
        path = PurePosixPath(name)
        if is_marker(path.name):
            parent = path.parent.as_posix()
            found.add("" if parent == "." else parent)
    return found


def _owning_dir(directory: str, markers: set[str]) -> str | None:
    """The outermost marked folder containing ``directory`` (a chart owns its subcharts)."""
    parts = directory.split("/") if directory else []
    for depth in range(len(parts) + 1):
        candidate = "/".join(parts[:depth])
        if candidate in markers:
            return candidate
    return None


def _expand_scope(scope: Sequence[str], files: Sequence[str], charts: set[str]) -> list[str]:
    """A file in the scope brings in its unit: its directory (module) or its chart."""
    expanded = []
    known = set(files)
    for entry in scope:
        if entry in known:
            directory = str(PurePosixPath(entry).parent)
            directory = "" if directory == "." else directory
            chart = _owning_dir(directory, charts)
            if chart is not None:
                expanded.append(chart)
            elif _is_terraform(PurePosixPath(entry).name):
                expanded.extend(f for f in files if str(PurePosixPath(f).parent) ==
                                (directory or ".") and _is_terraform(PurePosixPath(f).name))
            else:
                expanded.append(entry)
        else:
            expanded.append(entry)
    return expanded


def _kustomization_file(files: Sequence[str], directory: str) -> str:
    for name in KUSTOMIZATION_NAMES:
        if (f"{directory}/{name}" if directory else name) in files:
            return name
    return "kustomization.yaml"


def _sniff_json(path: Path) -> str:
    """"plan", "kubernetes" or "other" — without parsing a large plan twice.

    Malformed JSON that mentions ``apiVersion`` or ``kind`` counts as "kubernetes" so the
    manifest loader reports the parse error with its line, rather than the file vanishing;
    other malformed JSON (``tsconfig.json`` with comments) is not IaC and is left alone.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > active().file_bytes:
            return "kubernetes"  # the loader reports it (and reads nothing)
        with path.open("rb") as handle:
            raw = handle.read(_SNIFF_BYTES)
            head = raw.decode("utf-8", errors="replace")
            if '"planned_values"' in head or ('"format_version"' in head and
                                              '"terraform_version"' in head):
                return "plan"
            if len(raw) == _SNIFF_BYTES:
                # apiVersion/kind may follow a long metadata block: a key order must not be
                # a way around the gate. Only non-plan JSON is read whole.
                head += handle.read().decode("utf-8", errors="replace")
    except OSError:
        return "kubernetes"
    if '"apiVersion"' in head and '"kind"' in head:
        return "kubernetes"
    if '"apiVersion"' in head or '"kind"' in head:
        try:
            json.loads(head)
        except ValueError:
            return "kubernetes"
    return "other"
