"""``gitops-compliance policy doc``: the Markdown policy catalog, generated from the
metadata of every selected policy, the Checkov map and the control catalogs."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine.cli.outputs import write_output
from engine.cli.policy import outputs_and_policies
from engine.library.doc import render_catalog
from engine.model import worst_exit_code

FORMATS = ("markdown",)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    prepared = outputs_and_policies(args, err, FORMATS, "markdown")
    if isinstance(prepared, int):
        return prepared
    outputs, loaded = prepared
    text = render_catalog(loaded.library)
    code = 0
    for output in outputs:
        code = worst_exit_code(code, write_output(output, text, out, err))
    return code
