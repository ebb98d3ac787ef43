"""``gitops-compliance scan``: resolve the scope and config, run the pipeline, write outputs.

A working-tree scan is handled here; ``--staged``, ``--ref`` and ``--diff`` read git objects
(engine/cli/scan_git.py) and share ``load_policies`` and ``build_request`` with it.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from engine.cli.outputs import Output as OutputSpec
from engine.cli.outputs import OutputUsageError, write_output
from engine.cli.outputs import parse_outputs as parse_output_specs
from engine.cli.scan_inputs import DateError, cache_dir, parse_as_of, waivers_file
from engine.config import (
    Config,
    ConfigError,
    OpaSettings,
    find_config,
    load_config,
    opa_url_problem,
)
from engine.model import EXIT_USAGE, ScanResult, Severity, worst_exit_code
from engine.report import RenderOptions, get_renderer
from engine.source.worktree import Snapshot, SourceError, find_root, worktree_snapshot

if TYPE_CHECKING:
    from engine.cli.conftest_mode import ConftestPlan
    from engine.evaluate.rego import PolicySet
    from engine.pipeline import ScanRequest

# Checkov ids cannot be checked without loading Checkov: their shape is.
_CHECKOV_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


class UsageError(Exception):
    pass


def parse_outputs(specs: list[str]) -> list[OutputSpec]:
    from engine.report import REPORTERS

    try:
        return parse_output_specs(specs, sorted(REPORTERS), "text")
    except OutputUsageError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.cli import conftest_mode

    try:
        outputs = parse_outputs(args.output)
        if revision_mode(args) is not None:  # --staged, --ref, --diff: read from git objects
            from engine.cli.scan_git import run_revision_scan

            return run_revision_scan(args, outputs, out, err)
        if args.new_only:
            raise UsageError("--new-only needs --staged or --diff (a baseline to compare with)")
        root, scope, in_git = _resolve_scope(args.paths)
        config = _load_config(args.config, Path(args.paths[0]), root)
        named = [s for s in scope if s and (root / s).is_file()]
        snapshot = worktree_snapshot(root, in_git, named)
        conftest = conftest_mode.plan(args, config)
        request = build_request(args, config, snapshot, scope, repo_root=root, in_git=in_git)
    except (UsageError, ConfigError, SourceError, conftest_mode.ConftestUsageError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE

    if conftest is not None and conftest.alone:
        return conftest_mode.run_alone(
            conftest, request,
            lambda result: _write_outputs(result, outputs, out, err, args.markdown_limit), err)
    from engine.pipeline import run_scan

    loaded = load_policies(args, config, [Path(p) for p in args.policies], err, conftest, root)
    if isinstance(loaded, int):
        return loaded
    policies, conftest_policies = loaded
    result = run_scan(dataclasses.replace(request, conftest=conftest_policies), policies)
    return _write_outputs(result, outputs, out, err, args.markdown_limit)


def revision_mode(args: argparse.Namespace) -> str | None:
    """"staged", "ref" or "diff" when the scan reads git objects, else None."""
    if args.staged:
        return "staged"
    if args.ref is not None:
        return "ref"
    if args.diff is not None:
        return "diff"
    return None


def load_policies(args: argparse.Namespace, config: Config, extra: list[Path], err: TextIO,
                  conftest: ConftestPlan | None = None, conftest_root: Path | None = None,
                  ) -> tuple[PolicySet, Any] | int:
    """The Rego policy set and the conftest-style policies (None without any), or the exit
    code of a policy or engine problem (2)."""
    # Heavy imports start here, after every cheap check has passed.
    from engine.cli import conftest_mode
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError, load_policy_set
    from engine.evaluate.rego.engine_check import check_engine
    from engine.pipeline import policy_dirs

    try:
        check_engine()
        policies = load_policy_set(policy_dirs(config, extra))
        conftest_policies = (conftest_mode.load(conftest, conftest_root or Path.cwd())
                             if conftest is not None else None)
    except (PolicyLoadError, EngineMismatchError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    known = {meta.id for meta in policies.metas}
    if conftest_policies is not None:
        known |= conftest_mode.policy_ids(conftest_policies)
    unknown = sorted(p for p in config.severity if p not in known and not _CHECKOV_ID.match(p))
    if unknown:
        err.write(f"gitops-compliance: error: {config.source}: severity: no loaded policy has "
                  f"the id {', '.join(unknown)}\n")
        return EXIT_USAGE
    return policies, conftest_policies


def build_request(args: argparse.Namespace, config: Config, snapshot: Snapshot,
                  scope: tuple[str, ...], *, repo_root: Path, in_git: bool,
                  governance_root: Path | None = None, **extra: Any) -> ScanRequest:
    """The pipeline's request from the arguments and config (UsageError on a bad option).

    ``repo_root`` is the real repository (the cache lives there, never in a temporary
    snapshot); the waivers file is read from ``governance_root`` (in diff mode the
    merge-base's snapshot) or the repository; ``extra``: the git modes' fields."""
    from engine.pipeline import ScanRequest

    fail_on_text = args.fail_on or config.fail_on
    fail_on = None if fail_on_text == "none" else Severity(fail_on_text)
    checkov_mode = args.checkov or "run"
    if checkov_mode == "cached" and args.no_cache:
        raise UsageError("--checkov cached reads Checkov results from the cache; it cannot "
                         "be combined with --no-cache")
    try:
        as_of = parse_as_of(args.as_of)
    except DateError as exc:
        raise UsageError(str(exc)) from None
    return ScanRequest(
        snapshot=snapshot, scope=scope, config=config, use_checkov=checkov_mode != "off",
        fail_on=fail_on, opa=_opa_settings(args, config),
        waivers_file=waivers_file(config, governance_root or repo_root), as_of=as_of,
        checkov_mode=checkov_mode, cache_dir=cache_dir(args.no_cache, repo_root, in_git),
        governance_root=governance_root, **extra)


def _opa_settings(args: argparse.Namespace, config: Config) -> OpaSettings | None:
    """``--opa-url``/``--opa-mode`` over the config's ``opa:`` section."""
    settings = config.opa
    if args.opa_url:
        problem = opa_url_problem(args.opa_url)
        if problem:
            raise UsageError(f"--opa-url: {problem}")
        settings = dataclasses.replace(settings, url=args.opa_url) if settings else \
            OpaSettings(url=args.opa_url)
    if args.opa_mode:
        if settings is None:
            raise UsageError("--opa-mode needs --opa-url (or opa.url in the config)")
        settings = dataclasses.replace(settings, mode=args.opa_mode)
    return settings


def _resolve_scope(paths: list[str]) -> tuple[Path, tuple[str, ...], bool]:
    resolved = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        resolved.append(path.resolve())
    root, in_git = find_root(resolved[0])
    scope = scope_under(root, paths, resolved,
                        f"outside the scan root {root} (scan one repository at a time)")
    return root, scope, in_git


def scope_under(root: Path, paths: list[str], resolved: list[Path],
                outside: str) -> tuple[str, ...]:
    """The scope: each resolved path relative to ``root`` ("" for the root itself); a path
    outside it is a usage error, ``outside`` saying why."""
    scope = []
    for raw, path in zip(paths, resolved, strict=True):
        if path != root and root not in path.parents:
            raise UsageError(f"{raw}: {outside}")
        relative = path.relative_to(root).as_posix()
        scope.append("" if relative == "." else relative)
    return tuple(scope)


def _load_config(explicit: str | None, first: Path, root: Path) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return load_config(path).rooted(root)
    return load_config(find_config(first.resolve(), root)).rooted(root)


def _write_outputs(result: ScanResult, outputs: list[OutputSpec], out: TextIO,
                   err: TextIO, markdown_limit: int | None = None) -> int:
    code = result.verdict.exit_code
    for output in outputs:
        to_terminal = output.file is None and out.isatty()
        options = RenderOptions(color=to_terminal, markdown_limit=markdown_limit)
        text = get_renderer(output.format)(result, options)
        code = worst_exit_code(code, write_output(output, text, out, err))
    return code
