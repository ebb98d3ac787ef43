"""``gitops-compliance policy test``: run the Rego unit tests and the case files of every
selected policy directory; exit 1 when a test fails or a policy lacks tests or cases, 2 when
a policy, a test file or a case file cannot be loaded."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine.cli.outputs import write_output
from engine.cli.policy import outputs_and_policies
from engine.library.testing import Outcome, TestRun
from engine.model import EXIT_USAGE, worst_exit_code

FORMATS = ("text", "junit")
_LABEL = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR"}


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    prepared = outputs_and_policies(args, err, FORMATS, "text")
    if isinstance(prepared, int):
        return prepared
    outputs, loaded = prepared
    from pathlib import Path

    from engine.library.testing import run_policy_tests
    from engine.params import merge_params

    # Tests and cases run with the default parameters (docs/policies.md, "Tests"): a
    # team's params must not change what its tests prove; a case sets its own.
    test_run = run_policy_tests(loaded.policy_set, loaded.dirs, merge_params({}), Path.cwd())
    code = exit_code(test_run)
    for output in outputs:
        if output.format == "junit":
            from engine.library.junit import render

            text = render(test_run)
        else:
            text = render_text(test_run, verbose=args.verbose)
        code = worst_exit_code(code, write_output(output, text, out, err))
    return code


def exit_code(test_run: TestRun) -> int:
    if test_run.count(Outcome.ERROR):
        return EXIT_USAGE
    return 1 if test_run.count(Outcome.FAILED) else 0


def render_text(test_run: TestRun, *, verbose: bool) -> str:
    lines: list[str] = []
    for item in test_run.outcomes:
        if item.outcome is Outcome.PASSED and not verbose:
            continue
        lines.append(f"{_LABEL[item.outcome]:<5} {_plain(item.suite)}::{_plain(item.name)}")
        lines.extend(f"      {_plain(line)}" for line in item.message.splitlines())
    passed, failed = test_run.count(Outcome.PASSED), test_run.count(Outcome.FAILED)
    errors = test_run.count(Outcome.ERROR)
    if lines:
        lines.append("")
    lines.append(f"{passed} passed, {failed} failed, {errors} errors in "
                 f"{test_run.seconds:.2f} s")
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)
