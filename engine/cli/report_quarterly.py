"""``gitops-compliance report quarterly``: the period's report, written and sealed.

Everything cheap is checked before the history walk (period, repository, scope, signer, the
``--out`` folder), so a typo costs nothing. Exit codes: the period-end verdict (0, 1, 3);
2 for usage and configuration; 3 also when the artifacts cannot be written or sealed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from engine.audit.build import ReportScope
from engine.model import EXIT_USAGE, worst_exit_code
from engine.report.text import clean


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.audit.artifacts import ArtifactError, prepare_folder, write_report
    from engine.audit.period import PeriodError, parse_period
    from engine.cli.report_seal import resolve_signer, seal
    from engine.cli.scan import UsageError, scope_under
    from engine.cli.scan_inputs import DateError, cache_dir, parse_as_of
    from engine.source.worktree import SourceError, find_root

    try:
        period = parse_period(args.quarter, args.since, args.until)
        as_of = parse_as_of(args.as_of)
        repo = Path(args.repo).resolve()
        if not repo.is_dir():
            raise SourceError(f"--repo {args.repo}: no such folder")
        root, in_git = find_root(repo)
        if not in_git:
            raise SourceError(f"--repo {args.repo}: not inside a git repository")
        paths = args.paths or ["."]
        scope = scope_under(root, paths, [(root / p).resolve() for p in paths],
                            f"outside the repository {root}")
    except (PeriodError, DateError, SourceError, UsageError) as exc:
        return _fail(err, exc, EXIT_USAGE)
    signer, code = resolve_signer(args.sign, os.environ, err)
    if code:
        return code
    out_dir = Path(args.out or f"compliance-report-{period.label.replace('..', '_')}")
    try:
        prepare_folder(out_dir)
    except ArtifactError as exc:
        return _fail(err, exc, exc.exit_code)
    report = _generate(args, root, ReportScope(
        repository=root.name, branch=args.branch, paths=scope, period=period, as_of=as_of,
        fail_on=args.fail_on), cache_dir(args.no_cache, root, True), err)
    if isinstance(report, int):
        return report
    try:
        written = write_report(report, out_dir, pdf=not args.no_pdf)
    except ArtifactError as exc:
        return _fail(err, exc, exc.exit_code)
    verdict, totals = report["verdict"], report["summary"]["totals"]
    out.write(f"{period.label}: {report['scope']['commit_count']} commit(s), "
              f"{verdict['text']}\n"
              f"failed {totals['failed']}, waived {totals['waived']}, passed "
              f"{totals['passed']}; introduced {totals['introduced']}, resolved "
              f"{totals['resolved']} in the period\n")
    for name in written:
        out.write(f"wrote {clean(str(out_dir / name))}\n")
    return worst_exit_code(int(verdict["exit_code"]), seal(out_dir, written, signer, out, err))


def _generate(args: argparse.Namespace, root: Path, scope: ReportScope, cache: Path | None,
              err: TextIO) -> dict[str, Any] | int:
    from engine.audit.generate import Request, generate
    from engine.audit.timeline import HistoryError
    from engine.config import ConfigError
    from engine.source.worktree import SourceError

    try:
        return generate(Request(repo=root, scope=scope, use_checkov=not args.no_checkov,
                                cache_dir=cache,
                                extra_policies=tuple(Path(p) for p in args.policies)))
    except (HistoryError, SourceError, ConfigError) as exc:
        return _fail(err, exc, EXIT_USAGE)


def _fail(err: TextIO, exc: Exception, code: int) -> int:
    # Messages can quote the repository (file names, config text): escaped.
    err.write(f"gitops-compliance: error: {clean(str(exc))}\n")
    return code



