"""``gitops-compliance policy doc``: the Markdown policy catalog, generated from the
metadata of every selected policy, the Checkov map and the control catalogs."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine.cli.outputs import OutputUsageError, parse_outputs, write_output
from engine.cli.policy import load_everything
from engine.library.doc import render_catalog
from engine.model import EXIT_USAGE, worst_exit_code

FORMATS = ("markdown",)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        outputs = parse_outputs(args.output, FORMATS, "markdown")
    except OutputUsageError as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    loaded = load_everything(args, err)
    if isinstance(loaded, int):
        return loaded
    text = render_catalog(loaded.library)
    code = 0
    for output in outputs:
        code = worst_exit_code(code, write_output(output, text, out, err))
    return code
