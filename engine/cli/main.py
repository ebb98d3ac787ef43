"""The command line: a thin layer that parses arguments and maps results to exit codes.

Each command is a function ``run(args, streams) -> int`` in its own module, imported only
when chosen, so ``--help`` and ``--version`` never load Checkov or regorus.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from engine import __version__
from engine.cli.streams import GuardedOutput
from engine.model import EXIT_INCOMPLETE, EXIT_USAGE, worst_exit_code

# command name -> module under engine.cli
COMMANDS = {"scan": "engine.cli.scan", "policy": "engine.cli.policy",
            "waivers": "engine.cli.waivers", "report": "engine.cli.report"}


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors go through our stream and exit with 2 like every other."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gitops-compliance",
        description="Check Terraform, Helm and Kubernetes in a Git repository against Rego "
                    "and Checkov policies; block non-compliant merges; render audit reports.",
        epilog="Exit codes: 0 compliant, 1 findings at or above --fail-on, 2 usage/config/"
               "policy error, 3 scan incomplete (parse, render or engine error).",
    )
    parser.add_argument("--version", action="version",
                        version=f"gitops-compliance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from engine.cli import policy_args, report_args, scan_args, waivers_args

    scan_args.add_parser(sub)
    policy_args.add_parser(sub)
    waivers_args.add_parser(sub)
    report_args.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    guarded = GuardedOutput(stdout or sys.stdout)
    out: TextIO = guarded  # type: ignore[assignment]  # a TextIO in all that commands use
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        # argparse writes --help/--version to sys.stdout and errors to sys.stderr.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(out)
        return EXIT_USAGE
    module = importlib.import_module(COMMANDS[args.command])
    try:
        code: int = module.run(args, out, err)
    except Exception as exc:
        err.write(f"gitops-compliance: internal error: {type(exc).__name__} at "
                  f"{_where(exc)}; the scan is incomplete. Please report this.\n")
        return EXIT_INCOMPLETE
    guarded.flush()
    if guarded.error is not None and not guarded.reported:
        err.write(f"gitops-compliance: error: cannot write to standard output: "
                  f"{guarded.error.strerror or guarded.error}\n")
        code = worst_exit_code(code, EXIT_INCOMPLETE)
    return code


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame: enough to find the bug, no exception text (which
    can quote scanned content)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown location"
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def entry_point() -> None:
    from engine.cli import interrupt

    interrupt.install()
    try:
        code = main()
    except KeyboardInterrupt as exc:  # SIGINT or SIGTERM, after every cleanup has run
        code = interrupt.report(exc, sys.stderr)
        _silence_stdout()
        sys.exit(code)
    try:
        sys.stdout.flush()
    except OSError:
        # Standard output is gone (full disk, closed pipe) and the command has said so on
        # stderr; point the descriptor at /dev/null so the interpreter's own final flush
        # does not turn the exit code into 120.
        _silence_stdout()
        code = worst_exit_code(code, EXIT_INCOMPLETE)
    sys.exit(code)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's own final flush of what is still
    buffered cannot fail (and turn the exit code into 120) or block on a full pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
