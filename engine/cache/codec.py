"""Findings and errors to JSON and back, for cache entries (not a report format)."""

from __future__ import annotations

from typing import Any

from engine.model import Engine, Finding, Severity, Status


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "policy_id": finding.policy_id, "title": finding.title,
        "severity": finding.severity.value, "family": finding.family,
        "engine": finding.engine.value, "status": finding.status.value,
        "resource": finding.resource, "file": finding.file, "line": finding.line,
        "message": finding.message, "unit": finding.unit, "attribute": finding.attribute,
        "remediation": finding.remediation, "controls": list(finding.controls),
        "catalog": list(finding.catalog), "blocking": finding.blocking,
        "waiver": finding.waiver, "suppression": finding.suppression,
    }


def finding_from_json(data: dict[str, Any]) -> Finding:
    return Finding(
        policy_id=str(data["policy_id"]), title=str(data["title"]),
        severity=Severity(data["severity"]), family=str(data["family"]),
        engine=Engine(data["engine"]), status=Status(data["status"]),
        resource=str(data["resource"]), file=str(data["file"]), line=int(data["line"]),
        message=str(data["message"]), unit=str(data["unit"]),
        attribute=str(data["attribute"]), remediation=str(data["remediation"]),
        controls=tuple(map(str, data["controls"])), catalog=tuple(map(str, data["catalog"])),
        blocking=bool(data["blocking"]), waiver=str(data["waiver"]),
        suppression=None if data["suppression"] is None else str(data["suppression"]),
    )

