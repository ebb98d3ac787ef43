"""``gitops-compliance scan``: resolve the scope and config, run the pipeline, write outputs."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from engine.config import Config, ConfigError, find_config, load_config
from engine.model import EXIT_INCOMPLETE, EXIT_USAGE, ScanResult, Severity, worst_exit_code
from engine.report import RenderOptions, get_renderer
from engine.report.writer import OutputError, write_atomic
from engine.source.worktree import Snapshot, SourceError, find_root, worktree_snapshot

if TYPE_CHECKING:
    from engine.evaluate.rego import PolicySet
    from engine.pipeline import ScanRequest

# Checkov ids cannot be checked without loading Checkov: their shape is.
_CHECKOV_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


@dataclass(frozen=True)
class OutputSpec:
    format: str
    file: Path | None  # None: standard output


class UsageError(Exception):
    pass


def parse_outputs(specs: list[str]) -> list[OutputSpec]:
    from engine.report import REPORTERS

    outputs = []
    for spec in specs or ["text"]:
        name, _, file = spec.partition("=")
        if name not in REPORTERS:
            raise UsageError(f"-o {spec}: unknown format {name!r} "
                             f"(known: {', '.join(sorted(REPORTERS))})")
        if "=" in spec and not file:
            raise UsageError(f"-o {spec}: missing file name after '='")
        outputs.append(OutputSpec(name, Path(file) if file else None))
    if sum(1 for o in outputs if o.file is None) > 1:
        raise UsageError("only one -o format can go to standard output; give the others =FILE")
    return outputs


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
    except (UsageError, ConfigError, SourceError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE

    from engine.pipeline import run_scan

    policies = load_policies(args, config, [Path(p) for p in args.policies], err)
    if isinstance(policies, int):
        return policies
    result = run_scan(build_request(args, config, snapshot, scope), policies)
    return _write_outputs(result, outputs, out, err)


def revision_mode(args: argparse.Namespace) -> str | None:
    """"staged", "ref" or "diff" when the scan reads git objects, else None."""
    if args.staged:
        return "staged"
    if args.ref is not None:
        return "ref"
    if args.diff is not None:
        return "diff"
    return None


def load_policies(args: argparse.Namespace, config: Config, extra: list[Path],
                  err: TextIO) -> PolicySet | int:
    """The policy set, or the exit code of a policy or engine problem (2)."""
    # Heavy imports start here, after every cheap check has passed.
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError, load_policy_set
    from engine.evaluate.rego.engine_check import check_engine
    from engine.pipeline import policy_dirs

    try:
        check_engine()
        policies = load_policy_set(policy_dirs(config, extra))
    except (PolicyLoadError, EngineMismatchError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    known = {meta.id for meta in policies.metas}
    unknown = sorted(p for p in config.severity if p not in known and not _CHECKOV_ID.match(p))
    if unknown:
        err.write(f"gitops-compliance: error: {config.source}: severity: no loaded policy has "
                  f"the id {', '.join(unknown)}\n")
        return EXIT_USAGE
    return policies


def build_request(args: argparse.Namespace, config: Config, snapshot: Snapshot,
                  scope: tuple[str, ...], **extra: Any) -> ScanRequest:
    """The pipeline's request from the arguments and config; ``extra``: the git modes'
    fields (``changed``, ``governance_root``)."""
    from engine.pipeline import ScanRequest

    fail_on_text = args.fail_on or config.fail_on
    fail_on = None if fail_on_text == "none" else Severity(fail_on_text)
    return ScanRequest(snapshot=snapshot, scope=scope, config=config,
                       use_checkov=not args.no_checkov, fail_on=fail_on, **extra)


def _resolve_scope(paths: list[str]) -> tuple[Path, tuple[str, ...], bool]:
    resolved = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        resolved.append(path.resolve())
    root, in_git = find_root(resolved[0])
    scope = []
    for raw, path in zip(paths, resolved, strict=True):
        if path != root and root not in path.parents:
            raise UsageError(f"{raw}: outside the scan root {root} (scan one repository at a time)")
        relative = path.relative_to(root).as_posix()
        scope.append("" if relative == "." else relative)
    return root, tuple(scope), in_git


def _load_config(explicit: str | None, first: Path, root: Path) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return load_config(path).rooted(root)
    return load_config(find_config(first.resolve(), root)).rooted(root)


def _write_outputs(result: ScanResult, outputs: list[OutputSpec], out: TextIO,
                   err: TextIO) -> int:
    code = result.verdict.exit_code
    for output in outputs:
        to_terminal = output.file is None and out.isatty()
        text = get_renderer(output.format)(result, RenderOptions(color=to_terminal))
        if output.file is None:
            try:
                out.write(text)
                out.flush()
            except OSError as exc:  # stdout on a full disk, a closed pipe
                err.write(f"gitops-compliance: error: cannot write the {output.format} report "
                          f"to standard output: {exc.strerror or exc}\n")
                code = worst_exit_code(code, EXIT_INCOMPLETE)
            continue
        try:
            write_atomic(output.file, text)
        except OutputError as exc:
            err.write(f"gitops-compliance: error: {exc}\n")
            code = worst_exit_code(code, EXIT_INCOMPLETE)
    return code
