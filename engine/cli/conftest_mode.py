"""How ``scan`` runs conftest-style policies: which directories, alone or with the rest.

* ``--conftest-policies DIR`` alone: only those policies run — no built-in library, no
  Checkov — so verdicts compare one for one with ``conftest test``;
* ``--conftest-policies DIR --with-builtin``: the normal scan plus the config's and the
  command line's conftest directories;
* ``conftest.policies`` in the config (no flag): they join the normal scan.

``--namespace``, ``--all-namespaces``, ``--rego-version`` and ``--data`` override the
config's ``conftest`` keys; without any conftest policy they are a usage error (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.config import Config
from engine.model import EXIT_USAGE, ScanResult, Severity

if TYPE_CHECKING:
    from engine.evaluate.conftest import ConftestPolicySet
    from engine.pipeline import ScanRequest


class ConftestUsageError(Exception):
    pass


@dataclass(frozen=True)
class ConftestPlan:
    dirs: tuple[Path, ...]
    alone: bool
    namespaces: tuple[str, ...]
    all_namespaces: bool
    rego_version: str
    data: tuple[Path, ...]
    default_severity: Severity


def plan(args: argparse.Namespace, config: Config) -> ConftestPlan | None:
    settings = config.conftest
    cli_dirs = tuple(Path(p) for p in args.conftest_policies)
    if cli_dirs:
        alone = not args.with_builtin
        dirs = cli_dirs if alone else (*settings.policies, *cli_dirs)
        if alone and args.policies:
            raise ConftestUsageError(
                "--policies has no effect with --conftest-policies alone (only the conftest "
                "policies run); add --with-builtin to run both")
    elif settings.policies:
        alone, dirs = False, settings.policies
    else:
        used = [flag for flag, value in (
            ("--with-builtin", args.with_builtin), ("--namespace", args.namespace),
            ("--all-namespaces", args.all_namespaces), ("--rego-version", args.rego_version),
            ("--data", args.data)) if value]
        if used:
            raise ConftestUsageError(
                f"{', '.join(used)} needs conftest-style policies: give --conftest-policies "
                "DIR or set conftest.policies in the config")
        return None
    return ConftestPlan(
        dirs=tuple(dirs), alone=alone,
        namespaces=tuple(args.namespace) or settings.namespaces,
        all_namespaces=args.all_namespaces or settings.all_namespaces,
        rego_version=args.rego_version or settings.rego_version,
        data=(*settings.data, *(Path(p) for p in args.data)),
        default_severity=settings.default_severity)


def load(conftest: ConftestPlan, root: Path) -> ConftestPolicySet:
    """The compiled policies; ``PolicyLoadError`` is the caller's exit 2. Policy files are
    named relative to the scan root when inside it (as findings' files are)."""
    from engine.evaluate.conftest import Selection, load_conftest_policies

    return load_conftest_policies(
        conftest.dirs, selection=Selection(conftest.namespaces, conftest.all_namespaces),
        rego_version=conftest.rego_version, data_dirs=conftest.data,
        default_severity=conftest.default_severity, display_root=root)


def policy_ids(policies: ConftestPolicySet) -> set[str]:
    return {rule.policy_id for rules in policies.rules.values() for rule in rules}


def run_alone(conftest: ConftestPlan, request: ScanRequest,
              write: Callable[[ScanResult], int], err: TextIO) -> int:
    """Only the conftest policies (no built-in library, no Checkov); the waivers file,
    severity overrides and the gate apply as in every scan."""
    import dataclasses

    from engine.conftest_scan import run_conftest, standalone_result
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError
    from engine.evaluate.rego.engine_check import check_engine
    from engine.pipeline import apply_request_waivers

    snapshot, config = request.snapshot, request.config
    try:
        check_engine()
        policies = load(conftest, snapshot.root)
    except (PolicyLoadError, EngineMismatchError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    # The config may name built-in or Checkov ids (it serves normal scans too): only ids
    # shaped like conftest's ("<package>.<rule>") must exist here.
    unknown = [p for p in unknown_severity_ids(config, policy_ids(policies)) if "." in p]
    if unknown:
        err.write(f"gitops-compliance: error: {config.source}: severity: no loaded policy has "
                  f"the id {', '.join(unknown)}\n")
        return EXIT_USAGE
    outcome = run_conftest(snapshot, request.scope, config.exclude, policies)
    result = standalone_result(snapshot, request.scope, config, request.fail_on, outcome,
                               policies)
    findings, summary, problems = apply_request_waivers(request, list(result.findings))
    result = dataclasses.replace(
        result, findings=tuple(findings), waivers=summary,
        errors=tuple(sorted({*result.errors, *problems},
                            key=lambda e: (e.file, e.line, e.code, e.message))))
    return write(result)


def unknown_severity_ids(config: Config, known: set[str]) -> list[str]:
    return sorted(p for p in config.severity if p not in known)
