"""``scan`` flags for conftest-style policies (docs/conftest.md). Kept apart so building the
parser imports nothing heavy, and so the flags read as conftest users know them."""

from __future__ import annotations

import argparse


def add_arguments(scan: argparse.ArgumentParser) -> None:
    group = scan.add_argument_group(
        "conftest-style policies",
        "Run a conftest policy directory unchanged: each file conftest could parse is one "
        "input; deny/violation fail, warn warns, exception waives.")
    group.add_argument("--conftest-policies", action="append", default=[], metavar="DIR",
                       help="conftest policy directory (conftest --policy); repeatable. Alone, "
                            "only these policies run (no built-in library, no Checkov)")
    group.add_argument("--with-builtin", action="store_true",
                       help="with --conftest-policies: run the built-in library and Checkov too")
    group.add_argument("--namespace", action="append", default=[], metavar="NS",
                       help="conftest namespace (Rego package) to evaluate; repeatable "
                            "(default: config, else main)")
    group.add_argument("--all-namespaces", action="store_true",
                       help="evaluate every package of the conftest policies")
    group.add_argument("--rego-version", choices=("v0", "v1"), default=None,
                       help="Rego syntax of the conftest policies (default: config, else v1)")
    group.add_argument("--data", action="append", default=[], metavar="DIR",
                       help="JSON/YAML data files for the conftest policies, loaded into "
                            "data (conftest --data); repeatable")
