"""Cross-checks of the library's four sources: Rego METADATA, the Checkov map, the catalog
rows and the control catalogs. Each problem is one sentence naming the ids involved.

Both directions are checked: a clause a policy claims must list that policy in its catalog,
and a policy a catalog lists must exist and claim the clause — so the auditor-facing
catalog and the findings' ``controls`` can never drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.evaluate.checkov.severity import CheckMapping
from engine.library.controls import Regulation, all_controls
from engine.library.rows import CatalogRow
from engine.model import PolicyMeta


@dataclass(frozen=True)
class Library:
    """What the checks look at (built by the caller from the loaded sources)."""

    rego: Mapping[str, PolicyMeta]  # policy id -> metadata
    checkov: Mapping[str, CheckMapping]  # Checkov id -> map row
    rows: tuple[CatalogRow, ...]
    regulations: tuple[Regulation, ...]

    def checkov_ids_of(self, row_id: str) -> tuple[str, ...]:
        return tuple(sorted((i for i, m in self.checkov.items() if row_id in m.catalog),
                            key=checkov_sort_key))

    def listed_controls_of(self, policy_id: str) -> set[str]:
        """The clauses whose catalog entry lists ``policy_id``."""
        return {c.id for r in self.regulations for c in r.controls if policy_id in c.policies}

    def row_implemented(self, row: CatalogRow) -> bool:
        return (("rego" not in row.engines or row.id in self.rego)
                and ("checkov" not in row.engines or bool(self.checkov_ids_of(row.id))))

    def row_controls(self, row: CatalogRow) -> set[str]:
        controls = set(row.controls)
        if row.id in self.rego:
            controls.update(self.rego[row.id].controls)
        for check_id in self.checkov_ids_of(row.id):
            controls.update(self.checkov[check_id].controls)
        return controls


def checkov_sort_key(check_id: str) -> tuple[str, int]:
    """CKV_AWS_67 before CKV_AWS_251."""
    head, _, number = check_id.rpartition("_")
    return (head, int(number) if number.isdigit() else 0)


def missing_rego_rows(library: Library) -> list[str]:
    """Rows whose Rego policy is not loaded (not a problem by itself: ``policy list`` shows
    them as not implemented; the built-in suite requires none)."""
    return [r.id for r in library.rows if "rego" in r.engines and r.id not in library.rego]


def library_problems(library: Library, regulatory: Iterable[str] = ()) -> list[str]:
    """Every inconsistency. ``regulatory``: ids of Rego policies that must map to at least
    one control unless marked ``regulatory: false`` (the built-in ones)."""
    problems: list[str] = []
    controls = all_controls(library.regulations)
    rows = {r.id: r for r in library.rows}

    def listed(control: str, ids: Iterable[str]) -> bool:
        return control in controls and any(i in controls[control].policies for i in ids)

    for policy_id in sorted(regulatory):
        meta = library.rego[policy_id]
        if meta.regulatory and not meta.controls:
            problems.append(f"{policy_id}: maps to no control; add controls or mark it "
                            "regulatory: false")
        if not meta.regulatory and meta.controls:
            problems.append(f"{policy_id}: regulatory: false, yet it lists controls")

    for policy_id, meta in sorted(library.rego.items()):
        for row_id in meta.catalog:
            if row_id not in rows:
                problems.append(f"{policy_id}: catalog row {row_id} does not exist")
        row = rows.get(policy_id)
        if row is not None:
            if "rego" not in row.engines:
                problems.append(f"{policy_id}: a Rego policy, but catalog row {row.id} does "
                                "not list the rego engine")
            if meta.family != row.family:
                problems.append(f"{policy_id}: family {meta.family}, catalog row says "
                                f"{row.family}")
            if meta.severity is not row.severity:
                problems.append(f"{policy_id}: severity {meta.severity}, catalog row says "
                                f"{row.severity}")
        for control in meta.controls:
            if control not in controls:
                problems.append(f"{policy_id}: control {control} is in no control catalog")
            elif not listed(control, (policy_id, *meta.catalog)):
                problems.append(f"{control}: {policy_id} claims it, but the control catalog "
                                f"does not list {policy_id}")

    for check_id, mapping in sorted(library.checkov.items()):
        if not mapping.controls:
            problems.append(f"{check_id}: the Checkov map gives it no control")
        for row_id in mapping.catalog:
            row = rows.get(row_id)
            if row is None:
                problems.append(f"{check_id}: catalog row {row_id} does not exist")
                continue
            if "checkov" not in row.engines:
                problems.append(f"{check_id}: mapped to {row_id}, whose catalog row does not "
                                "list the checkov engine")
            if mapping.severity is not row.severity or mapping.family != row.family:
                problems.append(f"{check_id}: severity/family {mapping.severity}/"
                                f"{mapping.family} differ from row {row_id} "
                                f"({row.severity}/{row.family})")
        for control in mapping.controls:
            if control not in controls:
                problems.append(f"{check_id}: control {control} is in no control catalog")
            elif not listed(control, (check_id, *mapping.catalog)):
                problems.append(f"{control}: {check_id} claims it, but the control catalog "
                                f"lists neither it nor its row")

    for row in library.rows:
        if "checkov" in row.engines and not library.checkov_ids_of(row.id):
            problems.append(f"{row.id}: the checkov engine is listed, but no Checkov id is "
                            "mapped to the row")
        for control in row.controls:
            if control not in controls:
                problems.append(f"{row.id}: control {control} is in no control catalog")
            elif not listed(control, (row.id,)):
                problems.append(f"{control}: {row.id} claims it, but the control catalog "
                                "does not list it")

    for clause in controls.values():
        for policy_id in clause.policies:
            if policy_id in rows:
                row = rows[policy_id]
                if library.row_implemented(row) and clause.id not in library.row_controls(row):
                    problems.append(f"{clause.id}: lists {policy_id}, which does not claim it")
            elif policy_id in library.checkov:
                if clause.id not in library.checkov[policy_id].controls:
                    problems.append(f"{clause.id}: lists {policy_id}, which does not claim it")
            else:
                problems.append(f"{clause.id}: lists {policy_id}, which is neither a catalog "
                                "row nor a mapped Checkov id")
    return problems
