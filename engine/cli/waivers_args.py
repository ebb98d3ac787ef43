"""Arguments of ``gitops-compliance waivers`` (parser only: nothing heavy imported)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    waivers: argparse.ArgumentParser = sub.add_parser(
        "waivers", help="check the governed waivers file",
        description="Validate the waivers file (docs/waivers.md). Exit codes: 0 valid, "
                    "1 invalid or expired waivers, 2 usage or configuration error.",
    )
    verbs = waivers.add_subparsers(dest="waivers_command", metavar="VERB",
                                   parser_class=type(waivers))
    check = verbs.add_parser(
        "check", help="validate the waivers file (schema, dates, lifetime) and report expired, "
                      "soon-expiring and not-yet-valid waivers",
        description="Validate the waivers file against engine/schemas/waivers-v1.json and "
                    "the lifetime rule; report expired waivers. Exit codes: 0 valid, "
                    "1 invalid or expired waivers, 2 usage or configuration error.")
    check.add_argument("path", nargs="?", default=".", metavar="PATH",
                       help="a folder of the repository (default: .); the file is found as "
                            "a scan of PATH would find it")
    check.add_argument("--file", metavar="FILE",
                       help="the waivers file to check (default: config 'waivers', else "
                            ".gitops-compliance/waivers.yaml at the scan root)")
    check.add_argument("--config", metavar="FILE",
                       help="config file (default: the nearest .gitops-compliance.yaml)")
    check.add_argument("--as-of", metavar="DATE", default=None,
                       help="the date (YYYY-MM-DD, UTC) expiry is judged on (default: today)")
    check.add_argument("--warn-days", type=int, default=14, metavar="N",
                       help="also list waivers expiring within N days (default: 14; never "
                            "changes the exit code)")
