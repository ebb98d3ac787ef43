"""The quarterly report from a repository: walk the period's history, build report.json.

Stages: source (engine/source/history.py: the first-parent chain, split by the period),
scan (engine/audit/timeline.py: every tree through the normal pipeline), analysis
(lifecycle, controls_matrix, register, changes), assembly (build.py). Rendering and sealing
the artifacts is engine/audit/artifacts.py's job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.audit.build import ReportScope, build, end_day, sha256
from engine.audit.timeline import Days, ScanSettings, Timeline, walk
from engine.source.git_repo import GitRepository
from engine.source.history import first_parent_chain, split_by_period
from engine.source.worktree import SourceError


@dataclass(frozen=True)
class Request:
    repo: Path  # the repository's top folder
    scope: ReportScope
    use_checkov: bool = True
    cache_dir: Path | None = None
    extra_policies: tuple[Path, ...] = ()
    # --recompute: the end commit the report recorded. History is read from it (it must
    # still be on the branch's first-parent chain), so commits that landed later, even
    # dated inside the period, do not change a report made before they existed.
    end_commit: str | None = None


def generate(request: Request, now: datetime | None = None) -> dict[str, Any]:
    """report.json's content (HistoryError, SourceError or ConfigError when the period
    end cannot be evaluated at all: exit 2)."""
    scope = request.scope
    if scope.as_of < scope.period.since:
        raise SourceError(f"the period {scope.period.label} starts after --as-of "
                          f"{scope.as_of.isoformat()}: nothing of it has happened yet")
    repo = GitRepository(request.repo)
    try:
        chain = first_parent_chain(repo, scope.branch)
        if request.end_commit is not None:
            shas = [c.sha for c in chain]
            if request.end_commit not in shas:
                raise SourceError(f"the report's end commit {request.end_commit[:12]} is not "
                                  f"on {scope.branch}'s first-parent history any more (was "
                                  "it rewritten?)")
            chain = chain[:shas.index(request.end_commit) + 1]
        last_day = end_day(scope.period, scope.as_of)
        # Commits after --as-of are not part of the period yet, whatever their dates say.
        cutoff = min(scope.period.end, _day_after(last_day))
        start, commits = split_by_period(chain, scope.period.start, cutoff)
        if start is None and not commits:
            raise SourceError(f"{scope.branch}: no commit on or before "
                              f"{last_day.isoformat()}: nothing to report")
        settings = ScanSettings(scope=scope.paths, use_checkov=request.use_checkov,
                                cache_dir=request.cache_dir, fail_on=scope.fail_on,
                                extra_policies=request.extra_policies)
        days = Days(start=scope.period.since - timedelta(days=1), end=last_day)
        with walk(repo, start, commits, days, settings) as timeline:
            evidence = policy_evidence(timeline, request.cache_dir)
            return build(scope, timeline, evidence, now or datetime.now(UTC))
    finally:
        repo.close()


def _day_after(day: Any) -> datetime:
    from datetime import time, timedelta

    return datetime.combine(day + timedelta(days=1), time(), UTC)


def policy_evidence(timeline: Timeline, cache_dir: Path | None) -> dict[str, Any]:
    """The bundle's own tests (``policy test``), run on the bundle that judged the period:
    evidence that the tool does what the report says it checked. Their outcome depends on
    nothing but the bundle, its tests and case files, and the tool: it is cached on that."""
    from engine import __version__
    from engine.cache.keys import digest
    from engine.library.cases import find_case_files
    from engine.pipeline.request import dist_version

    policies = timeline.policies
    key = digest({"policies": policies.digest, "tests": sorted(policies.test_sources),
                  "cases": sorted(hashlib.sha256(p.read_bytes()).hexdigest()
                                  for p in find_case_files(list(timeline.policy_dirs))),
                  "tool": __version__, "regorus": dist_version("gordon-to-regorus")})
    if key in _EVIDENCE:
        return _EVIDENCE[key]
    cache = None
    if cache_dir is not None:
        from engine.cache.store import ResultCache

        cache = ResultCache(cache_dir)
        cached = cache.get("policy-tests", key)
        try:
            evidence = _canonical(cached)
        except (KeyError, TypeError):
            pass  # an entry of another layout: run the tests again
        else:
            _EVIDENCE[key] = evidence
            return evidence
    evidence = _run_policy_tests(timeline)
    if cache is not None:
        cache.put("policy-tests", key, evidence)
    _EVIDENCE[key] = evidence
    return evidence


# This process's policy-test outcomes by key: a report and its --recompute (or a test
# session) run the same bundle's tests once.
_EVIDENCE: dict[str, dict[str, Any]] = {}


def _canonical(evidence: Any) -> dict[str, Any]:
    """The evidence in report.json's key order, whatever order it was stored in (the cache
    sorts keys): report.json's bytes must not depend on a warm or a cold cache."""
    tests = evidence["policy_tests"]
    return {"policy_tests": {
        "passed": int(tests["passed"]), "failed": int(tests["failed"]),
        "errors": int(tests["errors"]), "bundle_digest": str(tests["bundle_digest"]),
        "failures": [{"test": str(f["test"]), "file": str(f["file"]),
                      "message": str(f["message"])} for f in tests["failures"]],
    }}


def _run_policy_tests(timeline: Timeline) -> dict[str, Any]:
    from engine.library.testing import Outcome, run_policy_tests
    from engine.params import merge_params
    from engine.resources import policies_dir

    run = run_policy_tests(timeline.policies, list(timeline.policy_dirs), merge_params({}),
                           timeline.root)
    builtin = str(policies_dir().resolve())

    def shown(suite: str) -> str:
        return ("builtin:" + suite[len(builtin):].lstrip("/")) if suite.startswith(builtin) \
            else suite

    return {"policy_tests": {
        "passed": run.count(Outcome.PASSED), "failed": run.count(Outcome.FAILED),
        "errors": run.count(Outcome.ERROR), "bundle_digest": sha256(timeline.policies.digest),
        "failures": [{"test": f"{shown(o.suite)}::{o.name}", "file": shown(o.suite),
                      "message": f"{o.outcome.value}: {o.message}"}
                     for o in run.outcomes if o.outcome is not Outcome.PASSED],
    }}
