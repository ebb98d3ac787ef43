"""Arguments of ``gitops-compliance report quarterly | verify`` (parser only: nothing heavy
imported, so ``--help`` stays fast)."""

from __future__ import annotations

import argparse
from typing import Any

# subcommand -> module under engine.cli with run(args, out, err) -> int
REPORT_COMMANDS = {
    "quarterly": "engine.cli.report_quarterly",
    "verify": "engine.cli.report_verify",
}


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the report folder (holding SHA256SUMS)")
    parser.add_argument("--allowed-signers", metavar="FILE", default=None,
                        help="an ssh allowed_signers file: who may have signed "
                             "SHA256SUMS.sig (without it the signature is only checked to "
                             "be intact)")
    parser.add_argument("--require-signature", action="store_true",
                        help="fail when the folder is not signed (an ssh signature then "
                             "needs --allowed-signers)")


def add_sign_argument(parser: argparse.ArgumentParser) -> None:
    from engine.audit.signature import SIGN_ENV  # the standard library only: cheap

    parser.add_argument(
        "--sign", metavar="SIGNER", default=None,
        help="sign SHA256SUMS offline: ssh:PATH_TO_PRIVATE_KEY (ssh-keygen -Y sign, writes "
             f"SHA256SUMS.sig) or gpg:KEY_ID (writes SHA256SUMS.asc); 'none' to not sign "
             f"(default: ${SIGN_ENV}, else not signed)")


def add_parser(sub: Any) -> None:
    report: argparse.ArgumentParser = sub.add_parser(
        "report", help="the quarterly compliance report, and its verification",
        description="Audit reports built from a repository's history (docs/quarterly-report"
                    ".md).")
    commands = report.add_subparsers(dest="report_command", metavar="SUBCOMMAND",
                                     parser_class=type(report), required=True)
    quarterly = commands.add_parser(
        "quarterly", help="the compliance report of a quarter (or any period) of a branch",
        description="Scan the branch's tree at the period's start, at every first-parent "
                    "commit of the period and at its end; write report.json, report.html, "
                    "report.md (and report.pdf with the pdf extra) and SHA256SUMS to --out. "
                    "Exit codes: 0 compliant at the period's end, 1 findings at or above the "
                    "threshold at the period's end, 2 usage or configuration error, 3 the "
                    "period-end tree could not be fully evaluated.")
    period = quarterly.add_argument_group("period (UTC dates, committer dates)")
    period.add_argument("--quarter", metavar="YYYY-QN", help="a calendar quarter, e.g. 2026-Q3")
    period.add_argument("--since", metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    period.add_argument("--until", metavar="DATE", help="last day of the period (YYYY-MM-DD)")
    period.add_argument("--as-of", metavar="DATE", default=None,
                        help="the day the report is made on (default: today, UTC); a period "
                             "not over by then is reported up to that day, as incomplete")
    quarterly.add_argument("--repo", metavar="DIR", default=".",
                           help="the repository (default: the current directory's)")
    quarterly.add_argument("--branch", metavar="BRANCH", default="main",
                           help="the branch whose first-parent history is reported "
                                "(default: main)")
    quarterly.add_argument("--path", action="append", default=[], metavar="PATH",
                           dest="paths", help="limit the scope to this path of the "
                                              "repository; repeatable (default: everything)")
    quarterly.add_argument("--out", metavar="DIR", default=None,
                           help="folder for the artifacts (default: compliance-report-<period>;"
                                " it must be new or hold only a previous report)")
    quarterly.add_argument("--policies", action="append", default=[], metavar="DIR",
                           help="extra Rego policy directory, added to the period end's "
                                "bundle; repeatable")
    quarterly.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info",
                                                 "none"], default=None,
                           help="threshold for the exit code (default: the period end's "
                                "config); each commit's gate uses its own config")
    quarterly.add_argument("--no-checkov", action="store_true",
                           help="Rego policies only (the report says so)")
    quarterly.add_argument("--no-cache", action="store_true",
                           help="do not read or write the result cache")
    quarterly.add_argument("--no-pdf", action="store_true",
                           help="do not write report.pdf even with the pdf extra installed "
                                "(printing a large report takes longer than walking its "
                                "history)")
    add_sign_argument(quarterly)
    verify = commands.add_parser(
        "verify", help="check a report folder against its SHA256SUMS (and signature)",
        description="Check every artifact of a report folder against SHA256SUMS and its "
                    "signature; with --recompute, rebuild the report from the repository and "
                    "compare. Exit codes: 0 verified, 1 altered evidence, 2 usage error.")
    add_verify_arguments(verify)
    verify.add_argument("--recompute", action="store_true",
                        help="rebuild report.json from the repository's history and compare "
                             "(the only check an editor with write access cannot defeat)")
    verify.add_argument("--repo", metavar="DIR", default=".",
                        help="with --recompute: the repository (default: current directory)")
    verify.add_argument("--no-cache", action="store_true",
                        help="with --recompute: do not use the result cache")
    verify.add_argument("--policies", action="append", default=[], metavar="DIR",
                        help="with --recompute: the extra policy directories the report was "
                             "made with (report quarterly --policies); repeatable")
