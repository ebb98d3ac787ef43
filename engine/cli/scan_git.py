"""``scan --staged | --ref REF | --diff BASE``: the scan of git revisions (DESIGN.md §4).

The revisions are written to private snapshot folders (engine/source/revisions.py); the
config and policies are read from the governing snapshot (the merge-base in diff mode);
the pipeline runs on the scanned snapshot and, with ``--new-only``, on the baseline; the
result is relocated to the repository's paths before any output is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import TextIO

from engine.cli import conftest_mode
from engine.cli.outputs import Output
from engine.cli.scan import (
    UsageError,
    _write_outputs,
    build_request,
    load_policies,
    revision_mode,
    scope_under,
)
from engine.config import Config, ConfigError, find_config, load_config
from engine.model import EXIT_USAGE, ScanResult
from engine.source.paths import relative_inside
from engine.source.worktree import SourceError, find_root


def run_revision_scan(args: argparse.Namespace, outputs: list[Output], out: TextIO,
                      err: TextIO) -> int:
    mode = revision_mode(args) or ""
    started = time.perf_counter()
    try:
        if args.new_only and mode == "ref":
            raise UsageError("--new-only needs --staged or --diff (a baseline to compare with)")
        root, scope = _resolve_scope(args.paths, mode)
        result = _scan(args, mode, root, scope, err, started)
    except (UsageError, ConfigError, SourceError, conftest_mode.ConftestUsageError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    if isinstance(result, int):
        return result
    return _write_outputs(result, outputs, out, err, args.markdown_limit)


def _scan(args: argparse.Namespace, mode: str, root: Path, scope: tuple[str, ...],
          err: TextIO, started: float) -> ScanResult | int:
    from engine.decide.baseline import mark_preexisting
    from engine.pipeline import run_scan
    from engine.source.revisions import open_revisions, relocate, waivers_path

    revision = args.ref if mode == "ref" else args.diff
    with open_revisions(root, mode, revision, scope) as revisions:
        if mode == "staged" and not revisions.changes:
            err.write("gitops-compliance: nothing staged: nothing to scan (a full scan: "
                      "`gitops-compliance scan`; in CI: `scan --diff BASE`)\n")
            return 0
        governance = revisions.governance_root
        explicit = _inside(args.config, root) if args.config else None
        if explicit is not None:
            revisions.add_governance([explicit])
        config = _load_config(args.config, explicit, scope, governance, mode)
        extra = [_inside(p, root) for p in args.policies]
        # Rego policy dirs, and conftest-style policy and data dirs, as the merge-base has them
        governing_dirs = (*config.policies, *config.conftest.policies, *config.conftest.data)
        revisions.add_governance(
            [r for r in (relative_inside(p, governance) for p in governing_dirs) if r]
            + [p for p in extra if p is not None])
        policy_extra = [governance / p if p is not None else Path(raw)
                        for p, raw in zip(extra, args.policies, strict=True)]
        source_time = time.perf_counter() - started

        conftest = conftest_mode.plan(args, config)
        if conftest is not None:
            # --conftest-policies/--data inside the repository: the merge-base's, like --policies
            inside = [_inside(str(d), root) for d in (*conftest.dirs, *conftest.data)]
            revisions.add_governance([d for d in inside if d is not None])
            conftest = dataclasses.replace(
                conftest,
                dirs=tuple(governance / r if r is not None else d
                           for d, r in zip(conftest.dirs, inside, strict=False)),
                data=tuple(governance / r if r is not None else d for d, r in
                           zip(conftest.data, inside[len(conftest.dirs):], strict=True)))
        if conftest is not None and conftest.alone:
            raise UsageError(f"--conftest-policies alone is not supported with --{mode} yet: "
                             "add --with-builtin, or run it on the working tree")
        loaded = load_policies(args, config, policy_extra, err, conftest, governance)
        if isinstance(loaded, int):
            return loaded
        policies, conftest_policies = loaded
        common = {"changed": revisions.changed, "conftest": conftest_policies}
        result = run_scan(build_request(args, config, revisions.head_snapshot(), scope,
                                        repo_root=root, in_git=True,
                                        governance_root=governance, **common), policies)
        timings = {"source": round(source_time, 3), **result.timings}
        findings = result.findings
        if args.new_only:
            baseline = revisions.baseline_snapshot()
            if baseline is None:  # the first commit: nothing pre-exists
                findings = mark_preexisting(findings, (), {})
            else:
                before = run_scan(build_request(args, config, baseline, scope, repo_root=root,
                                                in_git=True, governance_root=governance,
                                                **common), policies)
                findings = mark_preexisting(findings, before.findings, revisions.renames)
                timings["baseline"] = before.timings.get("total", 0.0)
        governance_paths = {
            "config": [explicit] if explicit is not None else [],
            "waivers": [waivers_path(config)],
            "policies": [p for p in (*[relative_inside(d, governance) for d in governing_dirs],
                                     *extra) if p],
        }
        result = dataclasses.replace(
            result, findings=findings, timings=timings, mode=mode, new_only=args.new_only,
            base_commit=revisions.base_commit if mode != "ref" else None,
            changed_files=tuple(sorted(revisions.changed)) if revisions.changed is not None
            else None,
            governance_changes=revisions.governance_changes(governance_paths),
        )
        folders = [revisions.head.root, revisions.governance.root]
        if revisions.baseline is not None:
            folders.append(revisions.baseline.root)
        return relocate(result, folders, root)


def _resolve_scope(paths: list[str], mode: str) -> tuple[Path, tuple[str, ...]]:
    """The repository and the scope. A path need not exist in the working tree (it may
    exist only in the revision), but it must be inside the repository."""
    resolved = [Path(raw).resolve() for raw in paths]
    existing = resolved[0]
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    root, in_git = find_root(existing)
    if not in_git:
        raise UsageError(f"--{mode}: {paths[0]} is not inside a git repository")
    return root, scope_under(root, paths, resolved, f"outside the repository {root}")


def _load_config(raw: str | None, explicit: str | None, scope: tuple[str, ...],
                 governance: Path, mode: str) -> Config:
    """The config as the governing revision has it; an explicit file outside the
    repository is read as given (the caller controls it, not the change)."""
    if raw is not None:
        path = governance / explicit if explicit is not None else Path(raw)
        if not path.is_file():
            where = " in the governing revision" if explicit is not None else ""
            raise ConfigError(f"--config {raw}: no such file{where} ({mode} mode)")
        return load_config(path).rooted(governance)
    first = governance / scope[0] if scope[0] else governance
    return load_config(find_config(first, governance)).rooted(governance)


def _inside(raw: str, root: Path) -> str | None:
    """``raw`` relative to the repository when it lies inside it, else None."""
    path = Path(raw).resolve()
    if path == root or root in path.parents:
        return path.relative_to(root).as_posix()
    return None

