"""``gitops-compliance waivers check``: validate the governed waivers file for CI.

Exit codes (DESIGN.md §4): 0 valid (also when there is no waivers file), 1 the file is
invalid or a waiver has expired, 2 usage or configuration error (bad flag, bad config, a
``--file`` or configured file that does not exist). Staleness needs a scan (a waiver is
stale when it matches no finding) and is reported by ``scan``, not here.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from engine.cli.scan_inputs import DateError, parse_as_of, waivers_file
from engine.config import ConfigError, find_config, load_config
from engine.decide.waiver_file import WaiverState, display_path, load_waivers
from engine.model import EXIT_USAGE
from engine.report.text import clean
from engine.source.worktree import SourceError, find_root

EXIT_BAD_WAIVERS = 1


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.waivers_command != "check":
        err.write("gitops-compliance: error: waivers: choose a verb (check)\n")
        return EXIT_USAGE
    try:
        as_of = parse_as_of(args.as_of)
        if args.warn_days < 0:
            raise DateError("--warn-days: expected a number of days >= 0")
        start = Path(args.path)
        if not start.exists():
            raise ConfigError(f"{args.path}: no such file or directory")
        root, _ = find_root(start.resolve())
        if args.config:
            if not Path(args.config).is_file():
                raise ConfigError(f"--config {args.config}: no such file")
            config = load_config(Path(args.config))
        else:
            config = load_config(find_config(start.resolve(), root))
        if args.file:
            named = Path(args.file)
            if not named.is_file():
                raise ConfigError(f"--file {args.file}: no such file")
            path: Path | None = named
        else:
            path = waivers_file(config, root)
    except (ConfigError, DateError, SourceError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    if path is None:
        out.write("No waivers file (.gitops-compliance/waivers.yaml): nothing to check.\n")
        return 0

    shown = display_path(path, root)
    loaded = load_waivers(path, max_days=config.waiver_max_days, display=shown)
    if not loaded.valid:
        out.write(f"{clean(shown)}: invalid ({len(loaded.problems)} problem(s)); no waiver in "
                  "it applies until it is fixed\n")
        for problem in loaded.problems:
            out.write(f"  {clean(str(problem))}\n")
        return EXIT_BAD_WAIVERS

    code = 0
    soon = as_of + timedelta(days=args.warn_days)
    for waiver in loaded.waivers:
        state = waiver.state(as_of)
        where = f"{clean(shown)}:{waiver.line}"
        if state is WaiverState.EXPIRED:
            code = EXIT_BAD_WAIVERS
            out.write(f"{where}: waiver {clean(waiver.id)}: expired (valid through "
                      f"{waiver.expires}); it no longer applies — renew it with a new approval "
                      "or remove it\n")
        elif state is WaiverState.PENDING:
            out.write(f"{where}: waiver {clean(waiver.id)}: not in force before "
                      f"{waiver.approved_on}\n")
        elif waiver.expires <= soon:
            out.write(f"{where}: waiver {clean(waiver.id)}: expires soon (valid through "
                      f"{waiver.expires})\n")
    verdict = "valid" if code == 0 else "has expired waivers"
    out.write(f"{clean(shown)}: {len(loaded.waivers)} waiver(s), as of {as_of}: {verdict} "
              f"(maximum lifetime {config.waiver_max_days} days).\n")
    return code
