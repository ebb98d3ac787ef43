"""The generated policy catalog: committed and current, escaped, and complete."""

from __future__ import annotations

from pathlib import Path

from engine.evaluate.rego import load_policy_set
from engine.library.doc import GENERATED_BY, escape, render_catalog
from engine.library.sources import build_library
from engine.resources import policies_dir

REPO = Path(__file__).parent.parent.parent
COMMITTED = REPO / "docs" / "policy-catalog.md"
TEAM = Path(__file__).parent.parent / "fixtures" / "policy-library" / "team"


def _builtin() -> str:
    rego = policies_dir() / "rego"
    return render_catalog(build_library(load_policy_set([rego], display_root=rego).metas))


def test_the_committed_catalog_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == _builtin(), (
        f"docs/policy-catalog.md is stale: regenerate it with `{GENERATED_BY}`")


def test_the_catalog_names_every_row_and_every_clause() -> None:
    text = _builtin()
    rows = ([f"GXP-{n:02d}" for n in range(1, 12)] + [f"IAM-{n:02d}" for n in range(1, 13)]
            + [f"ENC-{n:02d}" for n in range(1, 8)] + [f"GPU-{n:02d}" for n in range(1, 8)])
    for row in rows:
        assert f"| `{row}` |" in text, row
    assert "| `GXP-02` | CloudTrail log file validation is enabled | checkov | high |" in text
    assert "| `21CFR11.70` | Signature/record linking | procedural |" in text
    assert "| `EUANNEX11-12.4` | Operator identity recorded | partial |" in text
    assert "`GPU-01` | GPUs are requested in limits, in whole units | rego | high | " \
           "— (operational)" in text
    assert "Any other Checkov id** is reported with severity `medium`" in text


def test_markdown_and_html_in_metadata_are_escaped(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    source = (TEAM / "acme01.rego").read_text(encoding="utf-8").replace(
        "# title: Namespaces name their owning team",
        "# title: <img src=x onerror=alert(1)> | [click](http://evil) **bold**")
    (team / "acme01.rego").write_text(source, encoding="utf-8")
    text = render_catalog(build_library(load_policy_set(
        [policies_dir() / "rego", team]).metas))
    row = next(line for line in text.splitlines() if line.startswith("| `ACME-01` |"))
    assert "\\<img src=x onerror=alert(1)\\> \\| \\[click\\](http://evil) \\*\\*bold\\*\\*" in row
    assert row.count(" | ") == 5  # the title's pipe did not open a new cell
    assert escape("a\nb | c") == "a b \\| c"
