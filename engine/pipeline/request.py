"""What a scan is asked to do (``ScanRequest``), what loading hands on (``Loaded``), and the
unit boundary every stage runs its work through (``guarded``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine.config import Config, OpaSettings
from engine.model import Resource, ScanError, Severity, Unit
from engine.resources import policies_dir
from engine.source.worktree import Snapshot

if TYPE_CHECKING:
    from engine.evaluate.conftest import ConftestPolicySet

T = TypeVar("T")


@dataclass(frozen=True)
class ScanRequest:
    snapshot: Snapshot
    scope: tuple[str, ...]  # relative to the snapshot root; ("",) = everything
    config: Config
    use_checkov: bool = True
    fail_on: Severity | None = Severity.HIGH
    opa: OpaSettings | None = None  # a remote OPA server instead of the embedded engine
    clock: Callable[[], float] = field(default=time.perf_counter)
    # The waivers file to apply (resolved by the caller: the CLI, or the merge-base in diff
    # mode); None: no waivers. ``as_of`` drives every date decision (None: today, UTC).
    waivers_file: Path | None = None
    as_of: date | None = None
    cache_dir: Path | None = None  # the result cache (None: --no-cache)
    checkov_mode: str = "run"  # run | cached (Checkov results from the cache only) | off
    # Staged and diff scans (docs/git-gating.md): the changed paths, both names of a rename;
    # only the units they touch are evaluated and reported. None: every unit of the scope.
    changed: frozenset[str] | None = None
    # Where the governing files (config, waivers, policy dirs) were read: in diff mode the
    # merge-base's snapshot, not the one scanned. None: the snapshot's root.
    governance_root: Path | None = None
    # conftest-style policies joining this scan (engine/conftest_scan.py); None: none.
    conftest: ConftestPolicySet | None = None
    # The quarterly report (engine/audit/) compares resources across commits: keep every
    # loaded resource, per unit, in the result. Off for scans: nothing else reads them.
    keep_resources: bool = False


class UnitLoad(Protocol):
    """What every loader returns (Terraform module, plan, Kubernetes manifests)."""

    @property
    def resources(self) -> tuple[Resource, ...]: ...

    @property
    def errors(self) -> tuple[ScanError, ...]: ...


@dataclass
class Loaded:
    resources: dict[str, list[Resource]] = field(default_factory=dict)  # unit identity -> ...
    errors: list[ScanError] = field(default_factory=list)
    kubernetes_files: tuple[str, ...] = ()
    rendered: list[tuple[str, Resource]] = field(default_factory=list)  # (unit, object)


def policy_dirs(config: Config, extra: Sequence[Path]) -> list[Path]:
    dirs = [policies_dir() / "rego"] if config.builtin_policies else []
    return [*dirs, *config.policies, *extra]


def guarded(unit: Unit, stage: str, work: Callable[..., T], *args: Any) -> T | ScanError:
    """Run one unit's work; an unexpected exception becomes that unit's error (fail closed)."""
    try:
        return work(*args)
    except Exception as exc:
        # The exception type only: exception texts quote scanned content (a value that
        # failed to convert), and an error message must not become a leak.
        return ScanError("internal-error", f"{stage} failed with {type(exc).__name__}; the "
                         "unit's results are missing", file=unit.directory, unit=unit.identity)


def dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"
