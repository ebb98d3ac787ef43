"""Checkov results -> the project's ``Finding`` (DESIGN.md §5).

The framework adapters (``terraform.py``, ``kubernetes.py``) reduce each Checkov record to a
``CheckResult`` holding only what a finding needs — never Checkov's code snippet
(``code_block``), so no manifest content can leak through this stage. This module turns those
into findings: addresses in the project's format, paths relative to the scan root, severity
and controls from the severity map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.evaluate.checkov.severity import SeverityMap
from engine.load.kubernetes import CLUSTER_SCOPED_KINDS
from engine.model import Engine, Finding, Status

KUBERNETES_UNIT = "kubernetes"
_MAX_REASON = 200


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckResult:
    """One Checkov result, reduced to neutral data (file relative to the scan root)."""

    check_id: str
    check_name: str
    outcome: Outcome
    resource: str  # already in the project's address format
    file: str
    line: int
    unit: str
    guideline: str = ""
    suppressed_by: str | None = None  # the reason of an inline skip that targeted this check
    result_known: bool = True  # False: Checkov honoured the skip and never ran the check


@dataclass(frozen=True)
class RenderedObject:
    """A Kubernetes object rendered from a chart (already redacted), to be checked by
    Checkov: written to a private temporary file, its results attributed back to the
    template ``file`` and ``line`` and to the Helm ``unit`` (``chart:<path>@<values set>``)."""

    config: Mapping[str, Any]
    file: str
    line: int
    unit: str


def to_finding(result: CheckResult, severity_map: SeverityMap) -> Finding:
    mapping = severity_map.lookup(result.check_id)
    status = Status.FAILED if result.outcome is Outcome.FAILED else Status.PASSED
    message = result.check_name
    if result.suppressed_by is not None and status is Status.FAILED:
        message = unregistered_suppression_message(
            result.check_name, result.suppressed_by, known=result.result_known
        )
    return Finding(
        policy_id=result.check_id,
        title=result.check_name,
        severity=mapping.severity,
        family=mapping.family,
        engine=Engine.CHECKOV,
        status=status,
        resource=result.resource,
        file=result.file,
        line=result.line,
        message=message,
        unit=result.unit,
        remediation=result.guideline,
        controls=mapping.controls,
        catalog=mapping.catalog,
        suppression=result.suppressed_by if status is Status.FAILED else None,
    )


def unregistered_suppression_message(check_name: str, reason: str, *, known: bool = True) -> str:
    text = " ".join(reason.split())
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1] + "…"
    verdict = "failed" if known else "not evaluated (counted as failed)"
    return (
        f"{check_name} — {verdict}, and hidden by an unregistered inline suppression "
        f"(Checkov skip comment or annotation, reason: \"{text}\"). Inline skips are not "
        f"honoured: register a waiver and name it in the skip's reason (waiver:<ID>)."
    )


# --- Terraform addresses --------------------------------------------------------------------

# An instance key: [0], ["a"], ["a.b]"] — quoted keys may hold dots and brackets.
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
# How many trailing segments of Checkov's id name the block itself, per block type.
_TAIL = {"resource": 2, "data": 2, "provider": 2, "module": 1}


def terraform_address(checkov_id: str, block_type: str) -> str:
    """Checkov's Terraform resource id -> our address.

    Checkov: ``aws_s3_bucket.b[0]``, ``module.m.aws_s3_bucket.b``, ``aws_iam_policy_document.d``
    (a data source), ``aws.default`` / ``aws.eu`` (providers), ``m`` / ``module.m.inner``
    (module calls). Ours: instance keys dropped, ``data.`` / ``provider.`` / ``module.``
    prefixes, so ``data.aws_iam_policy_document.d``, ``provider.aws``, ``provider.aws.eu``,
    ``module.m``, ``module.m.module.inner``.
    """
    segments = _INSTANCE_KEY.sub("", checkov_id).split(".")
    tail_length = _TAIL.get(block_type, 2)
    if len(segments) < tail_length:
        return ".".join(segments)
    prefix, tail = segments[: len(segments) - tail_length], segments[len(segments) - tail_length :]
    if block_type == "data":
        tail = ["data", *tail]
    elif block_type == "provider":
        name, alias = tail
        tail = ["provider", name] if alias == "default" else ["provider", name, alias]
    elif block_type == "module":
        tail = ["module", *tail]
    return ".".join([*prefix, *tail])


# --- Kubernetes addresses -------------------------------------------------------------------


def kubernetes_address(checkov_id: str) -> str:
    """Checkov's ``Kind.namespace.name`` -> ``Kind/namespace/name`` (``Kind/name`` when
    cluster-scoped). Checkov writes ``default`` for an object without a namespace, which is
    also what a namespaced object gets on ``kubectl apply``; a name may contain dots, a kind
    and a namespace cannot."""
    kind, _, rest = checkov_id.partition(".")
    namespace, _, name = rest.partition(".")
    if not name:
        return checkov_id
    if kind in CLUSTER_SCOPED_KINDS:
        return f"{kind}/{name}"
    return f"{kind}/{namespace}/{name}"
