"""Per-unit cache keys for the two engines, and what a cached unit holds.

Rego: one entry per unit. A unit's evaluation sees its own resources *and* ``data.inventory``
(every resource of the scope) and the parameters, so the key holds the unit's file hashes,
the inventory digest, the parameters and the policy bundle digest: a change anywhere in the
scope re-evaluates every unit — correct for whole-repository rules (is there any
multi-region trail?) and cheap, because Rego evaluation is fast and loading runs anyway
(the inventory needs every unit loaded).

Checkov: one entry per Terraform module directory, per Kubernetes manifest file and per
rendered chart unit (``kubernetes_graph.py`` says what a Kubernetes entry is keyed on). Checkov
never sees the inventory; a Terraform unit's results depend on the files of its directory
and of every local module it calls (transitively). They also depend on the *other* units of
the run that reach the same module files: Checkov drops the standalone copy of a directory
another scanned unit calls, and it attributes a shared module's resources to one of its
callers per run, not to each. So Terraform units are grouped into *components* — units
joined by a local module call or by a module they both reach — and a component is keyed
on, and re-run as, a whole: a cached unit's results are exactly what a full run gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.cache.codec import finding_from_json, finding_to_json
from engine.cache.keys import FileHashes, digest, module_graph
from engine.model import Finding, ScanError, Unit, UnitKind

KUBERNETES = "kubernetes"


@dataclass
class CheckovPlan:
    keys: dict[str, str] = field(default_factory=dict)  # unit identity -> key
    components: dict[str, frozenset[str]] = field(default_factory=dict)  # identity -> group

    def with_components(self, identities: set[str]) -> set[str]:
        """``identities`` plus every unit of their components (what a run must include)."""
        out = set(identities)
        for identity in identities:
            out |= self.components.get(identity, frozenset())
        return out


def checkov_plan(root: Path, units: Sequence[Unit], hashes: FileHashes,
                 base: Mapping[str, Any]) -> CheckovPlan:
    """The Terraform units' keys and components (Kubernetes: ``kubernetes_graph``)."""
    plan = CheckovPlan()
    terraform = {u.identity: u.directory or "." for u in units if u.kind is UnitKind.TERRAFORM}
    reach = module_graph(root, sorted(terraform.values()))
    # Union-find over units: a unit joins every directory it reaches (and so every unit
    # that is, or reaches, one of those directories).
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for directory in terraform.values():
        for reached in reach.get(directory, []):
            parent[find(reached)] = find(directory)
    groups: dict[str, set[str]] = {}
    for identity, directory in terraform.items():
        groups.setdefault(find(directory), set()).add(identity)
    for members in groups.values():
        component = frozenset(members)
        dirs = sorted({terraform[m] for m in members} |
                      {d for m in members for d in reach.get(terraform[m], [])})
        files = {d: hashes.folder(d) for d in dirs}
        for identity in members:
            plan.components[identity] = component
            plan.keys[identity] = digest({
                **base, "engine": "checkov", "kind": "terraform", "unit": identity,
                "component": sorted(component), "files": files})
    return plan


def split_by_unit(findings: Sequence[Finding], errors: Sequence[ScanError],
                  ran: set[str]) -> dict[str, dict[str, Any]]:
    """Cacheable payloads of one Checkov run, per unit; units with errors are left out, and
    nothing is cached when a result cannot be tied to a unit of the run or an engine failed
    (its partial results must not be remembered as complete)."""
    if any(e.code == "engine-error" or e.unit not in ran for e in errors):
        return {}
    if any(f.unit not in ran for f in findings):
        return {}
    with_errors = {e.unit for e in errors}
    payloads: dict[str, dict[str, Any]] = {u: {"findings": []} for u in ran - with_errors}
    for finding in findings:
        if finding.unit in payloads:
            payloads[finding.unit]["findings"].append(finding_to_json(finding))
    return payloads


def findings_from_payload(payload: Any) -> list[Finding]:
    return [finding_from_json(item) for item in payload["findings"]]


def rego_payload(findings: Sequence[Finding], applicable: Mapping[str, Sequence[str]]
                 ) -> dict[str, Any]:
    return {"findings": [finding_to_json(f) for f in findings],
            "applicable": {k: list(v) for k, v in sorted(applicable.items())}}


def rego_from_payload(payload: Any) -> tuple[list[Finding], dict[str, tuple[str, ...]]]:
    findings = [finding_from_json(item) for item in payload["findings"]]
    applicable = {str(k): tuple(map(str, v)) for k, v in payload["applicable"].items()}
    return findings, applicable

