"""``gitops-compliance report verify DIR``: is this report folder what was sealed?

Exit codes (DESIGN.md §4): 0 every listed file matches SHA256SUMS (and the signature, when
there is one, is good), 1 altered evidence (a file changed, missing or added, a malformed
SHA256SUMS, a bad signature), 2 usage (no such folder, no SHA256SUMS, a missing trust list
or signing tool). File names in DIR are untrusted: every line is escaped.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from engine.audit.seal import SUMS_NAME, verify
from engine.model import EXIT_USAGE, worst_exit_code
from engine.report.text import clean


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = Path(args.dir)
    allowed = Path(args.allowed_signers) if args.allowed_signers else None
    outcome = verify(folder, allowed, require_signature=args.require_signature)
    if outcome.exit_code == EXIT_USAGE:
        for problem in outcome.problems:
            err.write(f"gitops-compliance: error: report verify: {clean(problem)}\n")
    else:
        for problem in outcome.problems:
            out.write(f"{clean(problem)}\n")
    for note in outcome.notes:
        out.write(f"note: {clean(note)}\n")
    if outcome.exit_code == 0:
        out.write(f"verified: {outcome.files} file(s) match {SUMS_NAME} "
                  f"(sha256 {outcome.digest})\n")
    elif outcome.exit_code != EXIT_USAGE:
        out.write(f"ALTERED: {len(outcome.problems)} problem(s); this folder is not what was "
                  f"sealed (sha256 of {SUMS_NAME}: {outcome.digest})\n")
    code = outcome.exit_code
    if getattr(args, "recompute", False) and folder.is_dir():
        # The lead's rebuild-from-Git check (issue 7): the one a determined editor, who can
        # rewrite SHA256SUMS as easily as the report, cannot defeat.
        from engine.audit.recompute import recompute

        code = worst_exit_code(code, int(recompute(
            folder, out, err, repo=Path(getattr(args, "repo", ".")),
            use_cache=not getattr(args, "no_cache", False),
            extra_policies=tuple(Path(p) for p in getattr(args, "policies", ())))))
    return code
