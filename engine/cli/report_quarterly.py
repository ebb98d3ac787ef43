"""``gitops-compliance report quarterly``: the period's report, written and sealed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from engine.model import EXIT_USAGE, worst_exit_code


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.audit.build import ReportScope
    from engine.audit.period import PeriodError, parse_period
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
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    out_dir = Path(args.out or f"compliance-report-{period.label.replace('..', '_')}")
    report_scope = ReportScope(repository=root.name, branch=args.branch, paths=scope,
                               period=period, as_of=as_of, fail_on=args.fail_on)
    from engine.cli.report_seal import resolve_signer, seal

    signer, code = resolve_signer(args.sign, os.environ, err)
    if code:
        return code
    from engine.audit.artifacts import ArtifactError, write_report
    from engine.audit.generate import Request, generate
    from engine.audit.timeline import HistoryError
    from engine.config import ConfigError

    try:
        problem = write_report_check(out_dir)
        if problem:
            raise ArtifactError(problem)
        report = generate(Request(repo=root, scope=report_scope,
                                  use_checkov=not args.no_checkov,
                                  cache_dir=cache_dir(args.no_cache, root, True),
                                  extra_policies=tuple(Path(p) for p in args.policies)))
        written = write_report(report, out_dir, pdf=not args.no_pdf)
    except (HistoryError, SourceError, ConfigError, ArtifactError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    verdict = report["verdict"]
    totals = report["summary"]["totals"]
    out.write(f"{period.label}: {report['scope']['commit_count']} commit(s), "
              f"{verdict['text']}\n"
              f"failed {totals['failed']}, waived {totals['waived']}, passed "
              f"{totals['passed']}; introduced {totals['introduced']}, resolved "
              f"{totals['resolved']} in the period\n")
    for name in written:
        out.write(f"wrote {out_dir / name}\n")
    sealed = seal(out_dir, written, signer, out, err)
    return worst_exit_code(int(verdict["exit_code"]), sealed)


def write_report_check(out_dir: Path) -> str:
    from engine.audit.artifacts import unexpected_files

    extra = unexpected_files(out_dir)
    if extra:
        return (f"--out {out_dir}: holds files that are not a report's "
                f"({', '.join(extra[:3])}): choose a new or empty folder")
    return ""
