"""One entry per policy, whichever engine runs it — what ``policy list`` prints and
``policy doc`` documents.

Order: the catalog rows (``policies/catalog.yaml`` order), then Rego policies that are no
row (a team's own), then Checkov ids mapped to no row. A row implemented by Checkov names
its Checkov ids; a Rego row whose policy is not loaded is listed as not implemented, never
left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.library.consistency import Library, checkov_sort_key
from engine.library.controls import control_sort_key
from engine.model import Severity


@dataclass(frozen=True)
class PolicyEntry:
    id: str
    title: str
    engine: str  # "rego", "checkov", "checkov+rego", "report"
    severity: Severity | None
    family: str
    controls: tuple[str, ...]
    checkov_ids: tuple[str, ...] = ()
    catalog: tuple[str, ...] = ()  # catalog rows a non-row policy evidences
    regulatory: bool = True
    implemented: bool = True
    source: str = ""  # the Rego file; "" for Checkov and report entries
    description: str = ""
    remediation: str = ""
    applies_to: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "engine": self.engine,
            "severity": self.severity.value if self.severity else None,
            "family": self.family, "controls": list(self.controls),
            "checkov_ids": list(self.checkov_ids), "catalog": list(self.catalog),
            "regulatory": self.regulatory, "implemented": self.implemented,
            "source": self.source,
        }


def _sorted_controls(controls: set[str]) -> tuple[str, ...]:
    return tuple(sorted(controls, key=control_sort_key))


def policy_entries(library: Library, overrides: Mapping[str, Severity] | None = None
                   ) -> list[PolicyEntry]:
    """Every policy of ``library``; ``overrides`` are the config's ``severity:`` map."""
    overrides = overrides or {}
    entries: list[PolicyEntry] = []
    row_ids = {r.id for r in library.rows}
    for row in library.rows:
        meta = library.rego.get(row.id)
        severity = overrides.get(row.id) or (meta.severity if meta else row.severity)
        # A row not (yet) implemented still shows the clauses its catalog entries name.
        controls = library.row_controls(row) | library.listed_controls_of(row.id)
        entries.append(PolicyEntry(
            id=row.id, title=meta.title if meta else row.title,
            engine="+".join(row.engines), severity=severity, family=row.family,
            controls=_sorted_controls(controls), checkov_ids=library.checkov_ids_of(row.id),
            regulatory=meta.regulatory if meta else bool(controls),
            implemented=library.row_implemented(row), source=meta.source if meta else "",
            description=meta.description if meta else "",
            remediation=meta.remediation if meta else "",
            applies_to=meta.applies_to if meta else ()))
    for policy_id, meta in sorted(library.rego.items()):
        if policy_id in row_ids:
            continue
        entries.append(PolicyEntry(
            id=policy_id, title=meta.title, engine="rego",
            severity=overrides.get(policy_id) or meta.severity, family=meta.family,
            controls=_sorted_controls(set(meta.controls)), catalog=meta.catalog,
            regulatory=meta.regulatory, source=meta.source, description=meta.description,
            remediation=meta.remediation, applies_to=meta.applies_to))
    for check_id, mapping in sorted(library.checkov.items(),
                                    key=lambda kv: checkov_sort_key(kv[0])):
        if mapping.catalog:
            continue
        entries.append(PolicyEntry(
            id=check_id, title="", engine="checkov",
            severity=overrides.get(check_id) or mapping.severity, family=mapping.family,
            controls=_sorted_controls(set(mapping.controls)), checkov_ids=(check_id,),
            regulatory=bool(mapping.controls)))
    return entries
