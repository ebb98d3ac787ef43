"""Mutation check of the policy library: remove the core condition of a policy, one at a
time, run ``gitops-compliance policy test`` on the mutated copy, and name the tests that
then fail (beyond those failing without a mutation). A mutation no test notices is a gap in
the policy's tests or cases.

    python scripts/policy_mutations.py            # the table below; exit 1 if one survives

The built-in library is copied to a temporary folder and loaded with
``builtin_policies: false`` + ``--policies``, so the repository is never modified. A row is
(label, file under policies/rego, the lines to delete: the first one present is removed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTATIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("GXP-10 missing tags", "gxp/gxp10.rego", ("\tcount(missing) > 0\n",)),
    ("IAM-02 service wildcard", "iam/iam02.rego", ("\tservice_wildcard(action)\n",)),
    ("ENC-05 payload carries values", "encryption/enc05.rego",
     ("\t_carries_values(payload)\n",)),
    ("GPU-01 request differs from limit", "gpu/gpu01.rego",
     ("\t_amount(requested) != _amount(limited)\n",
      "\tgpu.amount(requested) != gpu.amount(limited)\n")),
    # Policies of the other issue-4 branches (skipped until they are merged).
    ("IAM-05 PassRole condition checked", "iam/iam05.rego",
     ("\tnot \"iam:passedtoservice\" in iam.condition_keys(statement)\n",)),
    ("GPU-03 namespace without allocation", "gpu/gpu03.rego", ("\tnot allocations[ns]\n",)),
]


def failing_tests(label: str, relative: str | None, lines: tuple[str, ...]) -> set[str] | None:
    """The failing tests with ``relative`` mutated (None: unmutated); None when the policy
    is not on this branch."""
    with tempfile.TemporaryDirectory(prefix="policy-mutation-") as folder:
        work = Path(folder)
        shutil.copytree(REPO / "policies" / "rego", work / "rego")
        (work / ".gitops-compliance.yaml").write_text("builtin_policies: false\n")
        if relative is not None:
            target = work / "rego" / relative
            if not target.is_file():
                return None
            text = target.read_text(encoding="utf-8")
            line = next((candidate for candidate in lines if candidate in text), None)
            if line is None:
                raise SystemExit(f"{label}: none of the lines to remove is in {relative}")
            target.write_text(text.replace(line, "", 1), encoding="utf-8")
        # This checkout's engine, whatever is installed in the environment.
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-m", "engine", "policy", "test", "--policies",
                               str(work / "rego")], cwd=work, capture_output=True, text=True,
                              check=False, env=env)
        return {row.split(None, 1)[1].replace(f"{work}/", "")
                for row in done.stdout.splitlines() if row.startswith(("FAIL", "ERROR"))}


def main() -> int:
    baseline = failing_tests("baseline", None, ()) or set()
    if baseline:
        print(f"failing without a mutation (ignored below): {', '.join(sorted(baseline))}")
    survivors = 0
    for label, relative, lines in MUTATIONS:
        failing = failing_tests(label, relative, lines)
        if failing is None:
            print(f"{label}: {relative} is not on this branch, skipped")
            continue
        caught = sorted(failing - baseline)
        print(f"{label}: {len(caught)} failing" + ("" if caught else "  <- SURVIVED"))
        for name in caught:
            print(f"    {name}")
        survivors += not caught
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
