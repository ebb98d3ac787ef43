"""``gitops-compliance report quarterly | verify``: dispatch to the subcommand's module."""

from __future__ import annotations

import argparse
import importlib
from typing import TextIO

from engine.cli.report_args import REPORT_COMMANDS


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    module = importlib.import_module(REPORT_COMMANDS[args.report_command])
    code: int = module.run(args, out, err)
    return code
