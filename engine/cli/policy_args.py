"""Arguments of ``gitops-compliance policy list | test | doc`` (kept apart from the commands
so that building the parser for ``--help`` imports nothing heavy)."""

from __future__ import annotations

import argparse
from typing import Any

# subcommand -> module under engine.cli with run(args, out, err) -> int
POLICY_COMMANDS = {
    "list": "engine.cli.policy_list",
    "test": "engine.cli.policy_test",
    "doc": "engine.cli.policy_doc",
}


def _common(parser: argparse.ArgumentParser, formats: str, default: str) -> None:
    parser.add_argument("-o", "--output", action="append", default=[], metavar="FORMAT[=FILE]",
                        help=f"output format, optionally to a file; repeatable (formats: "
                             f"{formats}; default: {default} on stdout)")
    parser.add_argument("--config", metavar="FILE",
                        help="config file (default: the nearest .gitops-compliance.yaml from "
                             "the current directory up to the repository root)")
    parser.add_argument("--policies", action="append", default=[], metavar="DIR",
                        help="extra Rego policy directory; repeatable")


def add_parser(sub: Any) -> None:
    policy: argparse.ArgumentParser = sub.add_parser(
        "policy", help="list, test and document the policy library",
        description="The policy library: the built-in policies, the config's policy "
                    "directories and --policies DIR, with the Checkov map and the control "
                    "catalogs.")
    commands = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND",
                                     parser_class=type(policy), required=True)
    listing = commands.add_parser(
        "list", help="every policy with engine, severity, family, controls and Checkov ids")
    _common(listing, "text, json", "text")
    test = commands.add_parser(
        "test", help="run every Rego test_* rule and every case file; exit 1 on a failure",
        description="Run the Rego unit tests (test_* rules of *_test.rego) and the per-policy "
                    "case files (cases/<id>.yaml) through the real loaders and the Rego "
                    "engine. Fails when a policy has no test or no case file with a failing "
                    "and a passing case.")
    _common(test, "text, junit", "text")
    test.add_argument("-v", "--verbose", action="store_true", help="also list passing tests")
    doc = commands.add_parser(
        "doc", help="the Markdown policy catalog (policies, Checkov map, control catalogs)")
    _common(doc, "markdown", "markdown")
