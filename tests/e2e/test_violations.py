"""The violations fixture: one folder per family under tests/fixtures/e2e/violations/, each
a small repository where every policy of the family fires exactly where ``expected.yaml``
says — and nothing else fires (every other resource complies with every Rego policy).

Each folder is copied to the root of its own git repository and scanned alone
(``scan --no-checkov -o json``): whole-repository rules see only that folder.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, make_repo, run_cli

VIOLATIONS = FIXTURES / "e2e" / "violations"
FAMILIES = sorted(p.name for p in VIOLATIONS.iterdir() if (p / "expected.yaml").is_file())
_KEYS = {"policy", "resource", "file", "line"}


def _expected(folder: Path) -> Counter[tuple[str, str, str, int]]:
    rows: Any = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(rows, list) and rows, f"{folder.name}/expected.yaml: a non-empty list"
    for row in rows:
        assert isinstance(row, dict) and set(row) == _KEYS, row
    return Counter((r["policy"], r["resource"], r["file"], int(r["line"])) for r in rows)


def test_there_is_a_folder_per_family() -> None:
    assert "baseline" in FAMILIES


@pytest.mark.parametrize("family", FAMILIES)
def test_each_violation_fires_exactly_where_expected(family: str, tmp_path: Path) -> None:
    source = VIOLATIONS / family
    repo = tmp_path / family
    shutil.copytree(source, repo)
    (repo / "expected.yaml").unlink()
    make_repo(repo)
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    document = run.json()
    assert document["errors"] == [], document["errors"]
    found = Counter((f["policy_id"], f["resource"], f["file"], f["line"])
                    for f in document["findings"]
                    if f["engine"] == "rego" and f["status"] == "failed")
    expected = _expected(source)
    assert found == expected, (f"missing: {sorted((expected - found).elements())}; "
                               f"unexpected: {sorted((found - expected).elements())}")
    assert run.code == 1, run.err


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "baseline"])
def test_every_rego_policy_of_the_family_fires_in_its_folder(family: str) -> None:
    from engine.evaluate.rego import load_policy_set
    from engine.resources import policies_dir

    rego = policies_dir() / "rego"
    ids = {m.id for m in load_policy_set([rego], display_root=rego).metas if m.family == family}
    fired = {policy for policy, _, _, _ in _expected(VIOLATIONS / family)}
    assert ids <= fired, f"no violation in {family}/ for {sorted(ids - fired)}"
