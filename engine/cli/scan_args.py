"""Arguments of ``gitops-compliance scan`` (kept apart from the command so that building
the parser for ``--help`` imports nothing heavy)."""

from __future__ import annotations

import argparse
from typing import Any

from engine.config import FAIL_ON_CHOICES, OPA_MODES
from engine.report import REPORTERS

CHECKOV_MODES = ("run", "cached", "off")
# Below this, the verdict and the counts table alone could not fit.
MARKDOWN_LIMIT_MIN = 4096


def _markdown_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes") from None
    if value < MARKDOWN_LIMIT_MIN:
        raise argparse.ArgumentTypeError(f"{value} is below the minimum of "
                                         f"{MARKDOWN_LIMIT_MIN} bytes")
    return value


def add_parser(sub: Any) -> None:
    scan: argparse.ArgumentParser = sub.add_parser(
        "scan", help="scan paths and gate on the findings",
        description="Scan Terraform modules, plan JSON and Kubernetes manifests under PATH "
                    "(default: the current directory) with the Rego and Checkov policies.",
    )
    scan.add_argument("paths", nargs="*", metavar="PATH", default=["."],
                      help="files or folders to scan (default: .)")
    scan.add_argument("-o", "--output", action="append", default=[], metavar="FORMAT[=FILE]",
                      help="output format, optionally to a file; repeatable "
                           f"(formats: {', '.join(REPORTERS)}; default: text on stdout)")
    scan.add_argument("--markdown-limit", type=_markdown_limit, default=None, metavar="BYTES",
                      help="size cap of -o markdown in UTF-8 bytes (default 65536, a pull "
                           "request comment's limit; 1048576 for $GITHUB_STEP_SUMMARY)")
    scan.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default=None,
                      help="lowest severity that blocks (default: config, else high); "
                           "'none' reports without blocking")
    scan.add_argument("--config", metavar="FILE",
                      help="config file (default: the nearest .gitops-compliance.yaml)")
    scan.add_argument("--policies", action="append", default=[], metavar="DIR",
                      help="extra Rego policy directory; repeatable")
    scan.add_argument("--opa-url", metavar="URL",
                      help="evaluate the Rego policies on this OPA server instead of the "
                           "embedded engine (default: config opa.url)")
    scan.add_argument("--opa-mode", choices=OPA_MODES, default=None,
                      help="query: the policies are already on the server (default); "
                           "push: upload the loaded policies for this scan")
    from engine.cli import conftest_args

    conftest_args.add_arguments(scan)
    scan.add_argument("--checkov", choices=CHECKOV_MODES, default=None, dest="checkov",
                      help="run: run Checkov (default); cached: take Checkov results from the "
                           "cache and skip it for units not cached (the pre-commit fast path; "
                           "config checkov.cache_miss: run runs them instead); off: Rego only")
    scan.add_argument("--no-checkov", action="store_const", const="off", dest="checkov",
                      help="run only the Rego policies (same as --checkov off)")
    scan.add_argument("--no-cache", action="store_true",
                      help="neither read nor write the result cache")
    scan.add_argument("--as-of", metavar="DATE", default=None,
                      help="the date (YYYY-MM-DD, UTC) every date decision uses, such as "
                           "waiver expiry (default: today, UTC)")
    source = scan.add_mutually_exclusive_group()
    source.add_argument("--staged", action="store_true",
                        help="scan what the next commit records: the files staged against "
                             "HEAD, with their index content, expanded to their units "
                             "(nothing staged: exit 0)")
    source.add_argument("--ref", metavar="REF",
                        help="scan the commit REF without checking it out")
    source.add_argument("--diff", metavar="BASE",
                        help="scan HEAD's changes since its merge-base with BASE; config, "
                             "waivers and policies come from the merge-base, and their "
                             "changes are reported as governance changes")
    scan.add_argument("--new-only", action="store_true",
                      help="with --staged or --diff: findings that already fail at the "
                           "baseline (HEAD, or the merge-base) are reported as pre-existing "
                           "and do not block")
