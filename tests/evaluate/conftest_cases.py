"""Shared helpers for the conftest-style policy tests: write a policy directory and some
configuration files, load and evaluate them the way ``scan`` does, read conftest's tally.

Every policy and input here is written for these tests (none is copied from conftest);
each case states the count ``conftest test`` gives for it, worked out from conftest's
documented rules (docs/conftest.md, "How conftest counts").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.conftest_scan import ConftestOutcome, run_conftest
from engine.evaluate.conftest import ConftestPolicySet, Selection, load_conftest_policies
from engine.model import Finding, Status
from engine.source.worktree import worktree_snapshot


@dataclass(frozen=True)
class Tally:
    tests: int
    passed: int
    warnings: int
    failures: int
    exceptions: int


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def load(root: Path, policies: dict[str, str], *, namespaces: tuple[str, ...] = ("main",),
         all_namespaces: bool = False, rego_version: str = "v1",
         data: dict[str, str] | None = None) -> ConftestPolicySet:
    write(root / "policy", policies)
    data_dirs = [write(root / "data", data)] if data else []
    return load_conftest_policies([root / "policy"], selection=Selection(namespaces,
                                  all_namespaces), rego_version=rego_version,
                                  data_dirs=data_dirs, display_root=root)


def evaluate(root: Path, policies: ConftestPolicySet, inputs: dict[str, str]) -> ConftestOutcome:
    configs = write(root / "configs", inputs)
    snapshot = worktree_snapshot(configs, in_git=False)
    return run_conftest(snapshot, ("",), (), policies)


def tally(outcome: ConftestOutcome) -> Tally:
    passed = sum(t.successes for t in outcome.tallies)
    warnings = sum(t.warnings for t in outcome.tallies)
    failures = sum(t.failures for t in outcome.tallies)
    exceptions = sum(t.exceptions for t in outcome.tallies)
    return Tally(passed + warnings + failures + exceptions, passed, warnings, failures,
                 exceptions)


def found(outcome: ConftestOutcome, status: Status = Status.FAILED) -> set[tuple[Any, ...]]:
    """(policy id, resource, file, line, blocking) of every finding with ``status``."""
    return {(f.policy_id, f.resource, f.file, f.line, f.blocking)
            for f in outcome.findings if f.status is status}


def by_id(outcome: ConftestOutcome, policy_id: str) -> list[Finding]:
    return [f for f in outcome.findings if f.policy_id == policy_id]
