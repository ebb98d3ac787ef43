"""Mutation check of the policy library: remove the core condition of a policy, one at a
time, run ``gitops-compliance policy test`` on the mutated copy, and name the tests that
then fail. A mutation no test notices is a gap in the policy's tests or cases.

    python scripts/policy_mutations.py            # the table below; exit 1 if one survives

The built-in library is copied to a temporary folder and loaded with
``builtin_policies: false`` + ``--policies``, so the repository is never modified. Add a row
per policy: (label, file under policies/rego, the exact line to delete).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTATIONS: list[tuple[str, str, str]] = [
    ("GXP-10 missing tags", "gxp/gxp10.rego", "\tcount(missing) > 0\n"),
    ("IAM-02 service wildcard", "iam/iam02.rego", "\tservice_wildcard(action)\n"),
    ("ENC-05 payload carries values", "encryption/enc05.rego", "\t_carries_values(payload)\n"),
    ("GPU-01 request differs from limit", "gpu/gpu01.rego",
     "\t_amount(requested) != _amount(limited)\n"),
]


def run(label: str, relative: str, line: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="policy-mutation-") as folder:
        work = Path(folder)
        shutil.copytree(REPO / "policies" / "rego", work / "rego")
        (work / ".gitops-compliance.yaml").write_text("builtin_policies: false\n")
        target = work / "rego" / relative
        text = target.read_text(encoding="utf-8")
        if line not in text:
            raise SystemExit(f"{label}: the line to remove is not in {relative}: {line!r}")
        target.write_text(text.replace(line, "", 1), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "engine", "policy", "test", "--policies",
                               str(work / "rego")], cwd=work, capture_output=True, text=True,
                              check=False)
        return [row.split(None, 1)[1].replace(f"{work}/", "")
                for row in done.stdout.splitlines() if row.startswith(("FAIL", "ERROR"))]


def main() -> int:
    survivors = 0
    for label, relative, line in MUTATIONS:
        failing = run(label, relative, line)
        print(f"{label}: {len(failing)} failing" + ("" if failing else "  <- SURVIVED"))
        for name in failing:
            print(f"    {name}")
        survivors += not failing
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
