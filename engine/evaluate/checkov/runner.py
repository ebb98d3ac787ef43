"""The Checkov engine: Terraform module directories and Kubernetes manifests -> findings.

Checkov is used as a library (its runners, not its CLI or RunnerRegistry), offline, and
imported on the first ``run`` only: it takes about 1-2 s to import, and ``--help``, a
pre-commit hook with nothing to scan, and ``--no-checkov`` never pay it.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol, TypeVar

from engine.evaluate.checkov.mapping import (
    KUBERNETES_UNIT,
    CheckResult,
    Outcome,
    RenderedObject,
    to_finding,
)
from engine.evaluate.checkov.offline import ScanLog, load_checkov, scanning
from engine.evaluate.checkov.severity import SeverityMap, load_severity_map
from engine.evaluate.checkov.skips import (
    CheckovSkip,
    InlineSuppression,
    is_skipped,
    split_skips,
)
from engine.globs import path_matches
from engine.model import Finding, ScanError, Status

if TYPE_CHECKING:
    from engine.evaluate.checkov.kubernetes import KubernetesScan
    from engine.evaluate.checkov.terraform import TerraformScan


@dataclass(frozen=True)
class CheckovOutcome:
    findings: tuple[Finding, ...]  # failed and passed results; never a code snippet
    errors: tuple[ScanError, ...]  # parse failures, dropped objects, engine failures
    version: str  # Checkov's version ("" when Checkov could not be loaded)
    # Inline skips that hid a failing check; each is also a FAILED finding (DESIGN.md §6).
    suppressions: tuple[InlineSuppression, ...] = ()


# Checkov keeps module-level state (check registries, the module loader, parser contexts):
# one scan at a time per process.
_RUN_LOCK = threading.Lock()

_Scan = TypeVar("_Scan")


class _FrameworkScan(Protocol):
    results: list[CheckResult]
    errors: list[ScanError]


class CheckovEngine:
    def __init__(
        self, *, skips: Sequence[CheckovSkip] = (), severity_map_path: Path | None = None
    ) -> None:
        # Cheap: reads the small severity map (a bad map fails here, as a configuration error)
        # and does not import Checkov.
        self._severity_map: SeverityMap = load_severity_map(severity_map_path)
        self._global_skip_ids, self._scoped_skips = split_skips(skips)

    @property
    def severity_map(self) -> SeverityMap:
        return self._severity_map

    def run(
        self,
        root: Path,
        *,
        terraform_dirs: Sequence[str],
        kubernetes_files: Sequence[str],
        excluded: Sequence[str] = (),
        rendered: Sequence[RenderedObject] = (),
    ) -> CheckovOutcome:
        """Scan the Terraform module directories and Kubernetes manifest files (both relative
        to ``root``); every problem is returned as an error, nothing is raised.

        ``excluded`` globs leave inputs out and drop any result whose file they match (a local
        module under an excluded path is still resolved for its callers, but its resources
        are not reported). Config skips match a result's check id (fnmatch) and, when scoped,
        the file that defines the resource. ``rendered`` objects (Helm) are checked with the
        Kubernetes checks from a private temporary folder; their results carry the template
        file and line and the chart's unit.
        """
        tf_dirs = _in_scope(terraform_dirs, excluded)
        k8s_files = _in_scope(kubernetes_files, excluded)
        objects = [o for o in rendered if not _excluded(o.file, excluded)]
        if not tf_dirs and not k8s_files and not objects:
            return CheckovOutcome(findings=(), errors=(), version="")
        try:
            version = load_checkov()
        except Exception as exc:  # an unusable install must not end the whole scan
            error = _engine_error("checkov", "", exc)
            return CheckovOutcome(findings=(), errors=(error,), version="")

        results: list[CheckResult] = []
        errors: list[ScanError] = []
        scans: list[tuple[str, str, Callable[[], _FrameworkScan]]] = []
        if tf_dirs:
            scans.append(("terraform", ".", lambda: _scan_terraform(
                root, tf_dirs, self._global_skip_ids)))
        origins: dict[str, tuple[str, str]] = {}  # temporary file -> (template, unit)
        if k8s_files or objects:
            scans.append(("kubernetes", KUBERNETES_UNIT, lambda: _scan_kubernetes(
                root, k8s_files, self._global_skip_ids, objects, origins)))
        with _RUN_LOCK:
            for framework, unit, scan in scans:
                # Loaded outside the scan guard: importing Checkov's Terraform side imports
                # GitPython, which runs `git version` once, harmlessly, at import.
                try:
                    load_checkov(framework)
                except Exception as exc:
                    errors.append(_engine_error(framework, unit, exc))
                    continue
                done = _guarded(framework, unit, scan, errors, Path(root), origins)
                if done is not None:
                    results.extend(done.results)
                    errors.extend(done.errors)

        kept = [
            r for r in results
            if not _excluded(r.file, excluded)
            and not is_skipped(r.check_id, r.file, self._scoped_skips)
        ]
        findings = _deduplicate(to_finding(r, self._severity_map) for r in kept)
        suppressions = sorted(
            {
                InlineSuppression(r.check_id, r.suppressed_by, r.resource, r.file, r.line, r.unit)
                for r in kept
                if r.suppressed_by is not None and r.outcome is Outcome.FAILED
            },
            key=lambda s: (s.file, s.line, s.resource, s.check_id, s.reason),
        )
        return CheckovOutcome(
            findings=tuple(sorted(findings, key=Finding.sort_key)),
            errors=tuple(sorted(set(errors), key=_error_key)),
            version=version,
            suppressions=tuple(suppressions),
        )


def _scan_terraform(root: Path, dirs: Sequence[str], skip_ids: Sequence[str]) -> TerraformScan:
    # Imported here: importing the module loads Checkov's Terraform checks.
    from engine.evaluate.checkov.terraform import scan_terraform

    return scan_terraform(root, dirs, skip_ids)


def _scan_kubernetes(root: Path, files: Sequence[str], skip_ids: Sequence[str],
                     rendered: Sequence[RenderedObject],
                     origins: dict[str, tuple[str, str]]) -> KubernetesScan:
    from engine.evaluate.checkov.kubernetes import scan_kubernetes

    return scan_kubernetes(root, files, skip_ids, rendered, origins)


def _guarded(
    framework: str,
    unit: str,
    scan: Callable[[], _Scan],
    errors: list[ScanError],
    root: Path,
    origins: dict[str, tuple[str, str]],
) -> _Scan | None:
    """Run one framework; its failure is an error of that framework, not of the run."""
    log = ScanLog()
    try:
        with scanning() as log:
            return scan()
    except Exception as exc:
        errors.append(_engine_error(framework, unit, exc))
        return None
    finally:
        errors.extend(_log_errors(framework, unit, log, root, origins))


def _log_errors(framework: str, unit: str, log: ScanLog, root: Path,
                origins: dict[str, tuple[str, str]]) -> list[ScanError]:
    found = [
        ScanError(code="engine-error", unit=unit,
                  message=f"Checkov ({framework}) attempted {attempt}; blocked: the engine runs "
                          f"offline and never starts processes")
        for attempt in sorted(set(log.blocked))
    ]
    for check_id, file, entity in sorted(set(log.crashed_checks)):
        origin = origins.get(os.path.abspath(file)) if os.path.isabs(file) else None
        relative = origin[0] if origin else _scanned_file(file, root)
        owner = origin[1] if origin else unit
        found.append(ScanError(
            code="engine-error", file=relative,
            unit=owner if framework == "kubernetes" else PurePosixPath(relative).parent.as_posix(),
            message=f"Checkov check {check_id} crashed on {entity}; its result is unknown",
        ))
    return found


def _scanned_file(path: str, root: Path) -> str:
    # Checkov names Terraform files "/relative/path" and Kubernetes files by absolute path.
    root_abs = os.path.abspath(root)
    if os.path.isabs(path) and not os.path.exists(path):
        path = os.path.join(root_abs, path.lstrip("/"))
    if os.path.isabs(path):
        path = os.path.relpath(path, root_abs)
    return PurePosixPath(Path(path)).as_posix()


def _engine_error(framework: str, unit: str, exc: BaseException) -> ScanError:
    # Type and raising location only: exception messages from a scan can quote scanned values.
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).name}:{last.lineno}"
    return ScanError(code="engine-error", unit=unit,
                     message=f"Checkov {framework} scan failed: {type(exc).__name__}{where}")


def _deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """Collapse count/for_each instances, which share one address (``aws_s3_bucket.b``):
    per fingerprint, file and line keep one finding, a failure over a pass."""
    best: dict[tuple[str, str, int], Finding] = {}
    for finding in findings:
        key = (finding.fingerprint, finding.file, finding.line)
        current = best.get(key)
        if current is None or _rank(finding) < _rank(current):
            best[key] = finding
    return list(best.values())


def _rank(finding: Finding) -> tuple[int, str]:
    return (0 if finding.status is Status.FAILED else 1, finding.message)


def _error_key(error: ScanError) -> tuple[str, int, str, str, str]:
    return (error.file, error.line, error.code, error.unit, error.message)


def _clean(path: str) -> str:
    text = path.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    text = text.rstrip("/")
    return text or "."


def _in_scope(paths: Sequence[str], excluded: Sequence[str]) -> list[str]:
    return sorted({p for p in map(_clean, paths) if not _excluded(p, excluded)})


def _excluded(path: str, excluded: Sequence[str]) -> bool:
    return any(path_matches(pattern, path) for pattern in excluded)
