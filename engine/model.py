"""The neutral data that flows between pipeline stages (DESIGN.md §3, §5).

Everything here is a frozen dataclass or an enum: stages hand these values on and never
mutate them. No stage-specific logic and no output formatting lives here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for thresholds and ordering."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {allowed})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 5,
    Severity.HIGH: 4,
    Severity.MEDIUM: 3,
    Severity.LOW: 2,
    Severity.INFO: 1,
}


class Status(StrEnum):
    FAILED = "failed"
    PASSED = "passed"
    WAIVED = "waived"
    ERROR = "error"


class Engine(StrEnum):
    REGO = "rego"
    CHECKOV = "checkov"
    GITOPS = "gitops-compliance"  # findings raised by the pipeline itself (errors, suppressions)
    CONFTEST = "conftest"  # conftest-style Rego policies brought by the user (docs/conftest.md)


class UnitKind(StrEnum):
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform-plan"
    KUBERNETES = "kubernetes"
    HELM = "helm"
    KUSTOMIZE = "kustomize"
    CONFTEST = "conftest"  # every file conftest-style policies read, one document per file


@dataclass(frozen=True)
class Unit:
    """One evaluation unit (DESIGN.md §3): a Terraform module directory, a plan file, a Helm
    chart with one values set, or the Kubernetes objects of the scope.

    ``identity`` is what fingerprints use: the module path relative to the scan root, the plan
    file, ``chart:<path>@<values set>`` or ``kubernetes``. ``files`` are relative to the scan
    root, sorted, POSIX separators.
    """

    kind: UnitKind
    identity: str
    directory: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    """A normalized resource as policies see it (DESIGN.md §5; docs/input-contract.md).

    ``config`` is plain JSON data. A value that could not be resolved statically is
    ``{"$unknown": "<expression text>"}``; secret values are already replaced by
    ``{"$redacted": true}`` (see engine/load/redact.py).
    """

    address: str
    kind: str  # "terraform" | "kubernetes"
    type: str
    name: str
    file: str
    line: int
    config: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_input(self) -> dict[str, Any]:
        """The JSON object placed in ``input.resources`` (contract version in schemas/)."""
        return {
            "address": self.address,
            "kind": self.kind,
            "type": self.type,
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "config": self.config,
            **self.extra,
        }


@dataclass(frozen=True)
class ScanError:
    """A problem that made the scan incomplete (exit 3) or invalid (exit 2).

    ``file`` is relative to the scan root (empty when not tied to a file); ``line`` is 0 when
    unknown. The message never contains a secret value.
    """

    code: str  # e.g. "parse-error", "not-rendered", "engine-error", "policy-error"
    message: str
    file: str = ""
    line: int = 0
    unit: str = ""
    invalid: bool = False  # True: configuration/policy problem (exit 2), not incompleteness


@dataclass(frozen=True)
class PolicyMeta:
    """Declarative metadata of one policy, whichever engine runs it (DESIGN.md §6)."""

    id: str
    title: str
    severity: Severity
    family: str
    engine: Engine
    controls: tuple[str, ...] = ()
    catalog: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    remediation: str = ""
    description: str = ""
    source: str = ""  # file the policy was loaded from (relative where possible)
    regulatory: bool = True  # False: evidences no regulatory clause on purpose (cost caps)


@dataclass(frozen=True)
class Finding:
    policy_id: str
    title: str
    severity: Severity
    family: str
    engine: Engine
    status: Status
    resource: str
    file: str
    line: int
    message: str
    unit: str
    attribute: str = ""
    remediation: str = ""
    controls: tuple[str, ...] = ()
    catalog: tuple[str, ...] = ()
    blocking: bool = True  # False for Rego ``warn`` rules: they never block
    # A structured conftest message's other fields (JSON object text, sorted keys; "" when
    # none). Text, not a dict, so a Finding stays hashable.
    details: str = ""
    # Rendered Helm objects: where the finding comes from. ``chart`` and ``values_set`` are
    # also in ``unit`` (and so in the fingerprint); ``template`` is relative to the chart
    # (``templates/x.yaml``, ``charts/sub/templates/y.yaml``). Empty for everything else.
    chart: str = ""
    values_set: str = ""
    template: str = ""
    waiver: str = ""  # id of the waiver that waived it (status WAIVED)
    # Reason text of an inline skip (Checkov comment/annotation) that targeted this failing
    # check; counts only when it names a registered waiver (engine/decide/waivers.py).
    suppression: str | None = None
    # --new-only: the same fingerprint fails at the baseline (merge-base, or HEAD with
    # --staged), so this finding is reported but does not block (docs/git-gating.md).
    preexisting: bool = False

    @property
    def fingerprint(self) -> str:
        """Stable identity (DESIGN.md §5): policy + unit + resource + attribute.

        No file name and no line: moving a resource inside its unit, or renaming the file
        that holds it, keeps the fingerprint.
        """
        key = "\x1f".join((self.policy_id, self.unit, self.resource, self.attribute))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity.rank, self.policy_id, self.file, self.line, self.resource,
                self.attribute, self.message)


class Verdict(StrEnum):
    COMPLIANT = "compliant"
    BLOCKED = "blocked"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"

    @property
    def exit_code(self) -> int:
        """DESIGN.md §4: 0 compliant, 1 blocked, 2 invalid, 3 incomplete."""
        return _EXIT_CODES[self]


_EXIT_CODES = {Verdict.COMPLIANT: 0, Verdict.BLOCKED: 1, Verdict.INVALID: 2,
               Verdict.INCOMPLETE: 3}
EXIT_USAGE = _EXIT_CODES[Verdict.INVALID]
EXIT_INCOMPLETE = _EXIT_CODES[Verdict.INCOMPLETE]
# Which exit code wins when several apply: 2 > 3 > 1 > 0 (DESIGN.md §4).
_PRECEDENCE = {0: 0, 1: 1, 3: 2, 2: 3}


def worst_exit_code(*codes: int) -> int:
    """The exit code that wins among ``codes`` (an unknown code wins over all)."""
    return max(codes, key=lambda code: _PRECEDENCE.get(code, len(_PRECEDENCE)))


@dataclass(frozen=True)
class ConftestTally:
    """conftest's own count for one file and namespace (its ``CheckResult``): what
    ``conftest test`` prints as "N tests, P passed, W warnings, F failures, E exceptions"."""

    file: str
    namespace: str
    successes: int = 0
    failures: int = 0
    warnings: int = 0
    exceptions: int = 0


@dataclass(frozen=True)
class ConftestException:
    """A conftest ``exception`` rule that matched a document: it waives ``rule`` there.

    Kept apart from the waiver register (which needs an owner and an expiry): it is the
    policy author's exception, recorded where it applied. ``matches`` is conftest's count
    (one per matching entry); ``waived`` how many findings it turned into WAIVED ones.
    """

    policy_id: str  # "<package>.<rule>" of the waived rule
    namespace: str
    rule: str
    name: str  # the name the exception listed ("run_as_root" waives deny_run_as_root)
    file: str
    line: int
    resource: str
    matches: int
    waived: int
    source: str = ""  # the policy file that defines the exception rule(s)


@dataclass(frozen=True)
class WaiverSummary:
    """What the waivers file did in one scan (DESIGN.md §7); reported in every format."""

    file: str  # relative to the scan root where possible
    as_of: str  # the date every decision used (ISO)
    applied: tuple[tuple[str, int], ...] = ()  # (waiver id, findings waived)
    expired: tuple[tuple[str, str], ...] = ()  # (waiver id, expires): no longer applied
    pending: tuple[tuple[str, str], ...] = ()  # (waiver id, approved_on): not in force yet
    stale: tuple[str, ...] = ()  # active, matched nothing in this scan


@dataclass(frozen=True)
class GovernanceChange:
    """A pull request's change to what governs its own gate (DESIGN.md §4): the config, the
    waivers file or a policy directory. Reported; it takes effect once merged."""

    kind: str  # "config" | "waivers" | "policies"
    status: str  # "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed"
    path: str
    old_path: str = ""


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan produced; reporters read it, the CLI maps its verdict to an exit code."""

    root: str
    scope: tuple[str, ...]
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    units: tuple[Unit, ...]
    excluded: tuple[tuple[str, str], ...]  # (path, reason)
    fail_on: Severity | None  # None: report only ("--fail-on none")
    commit: str | None = None
    policy_digest: str = ""
    policy_count: int = 0
    rego_passed: int = 0  # applicable resources per Rego policy that did not fail it
    resource_count: int = 0
    versions: Mapping[str, str] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    # Checkov checks skipped by config: (check id, reason, path globs; empty = everywhere)
    skipped_checks: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # Which engine ran the Rego policies: {"name": "regorus"} or, for a remote OPA,
    # {"name": "opa", "url", "mode", "bundles": {bundle name: revision}}.
    rego_engine: Mapping[str, Any] = field(default_factory=lambda: {"name": "regorus"})
    # conftest-style policies (docs/conftest.md): per file and namespace counts, exceptions
    # that applied, and files conftest would parse that were not evaluated (file, parser).
    conftest_results: tuple[ConftestTally, ...] = ()
    conftest_exceptions: tuple[ConftestException, ...] = ()
    conftest_not_evaluated: tuple[tuple[str, str], ...] = ()
    waivers: WaiverSummary | None = None  # None: no waivers file
    notes: tuple[str, ...] = ()  # explicit statements about what did not run (cache, Checkov)
    cache_stats: Mapping[str, int] = field(default_factory=dict)  # hits, misses, corrupt
    # What the scan read (docs/git-gating.md): "worktree", "staged", "ref" or "diff"; the
    # baseline commit (diff: the merge-base; staged with --new-only: HEAD); the changed
    # paths whose units were reported (None: every unit of the scope was reported).
    mode: str = "worktree"
    base_commit: str | None = None
    changed_files: tuple[str, ...] | None = None
    # --new-only: every failed finding was compared with the baseline, so ``preexisting``
    # False means "new" (SARIF baselineState), not "not compared".
    new_only: bool = False
    governance_changes: tuple[GovernanceChange, ...] = ()
    # Rego policy id -> the resources it applied to ("<unit>|<address>@<file>"), so a
    # control's resources evaluated can be counted (the quarterly report's control matrix).
    applicable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Unit identity -> its loaded resources; only when the request asked (keep_resources).
    resources: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)

    def blocks(self, finding: Finding) -> bool:
        return (finding.status is Status.FAILED and finding.blocking
                and not finding.preexisting
                and self.fail_on is not None and finding.severity.rank >= self.fail_on.rank)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if self.blocks(f))

    @property
    def verdict(self) -> Verdict:
        # Precedence 2 > 3 > 1 > 0. Errors are never hidden by the threshold.
        if any(e.invalid for e in self.errors):
            return Verdict.INVALID
        if self.errors:
            return Verdict.INCOMPLETE
        if self.blocking:
            return Verdict.BLOCKED
        return Verdict.COMPLIANT
