"""Import hygiene: the Checkov engine must not import Checkov until it scans (DESIGN.md §4)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_importing_and_constructing_the_engine_does_not_import_checkov() -> None:
    probe = textwrap.dedent("""
        import sys
        from engine.evaluate.checkov import CheckovEngine, CheckovSkip
        CheckovEngine(skips=[CheckovSkip("CKV_AWS_1", "reason")])
        loaded = sorted(m for m in sys.modules if m == "checkov" or m.startswith("checkov."))
        print(len(loaded))
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=60)
    assert done.stdout.strip() == "0", done.stdout + done.stderr


@pytest.mark.slow
def test_a_first_scan_in_a_fresh_process_is_clean() -> None:
    # Loading Checkov's Terraform side imports GitPython, which runs `git version` at import;
    # that must happen outside the scan guard, or the guard would (rightly) report it.
    probe = textwrap.dedent("""
        import sys
        from pathlib import Path
        from engine.evaluate.checkov import CheckovEngine
        fixtures = Path("tests/fixtures/checkov")
        out = CheckovEngine().run(fixtures, terraform_dirs=["terraform/passing"],
                                  kubernetes_files=["kubernetes/rbac.yaml"])
        print(len(out.errors), len(out.findings) > 0, "git" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=300)
    assert done.stdout.split() == ["0", "True", "True"], done.stdout + done.stderr
