"""The one rule every file reference follows: ``..`` climbs inside the repository only."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.source.paths import join_inside, resolve_inside


@pytest.mark.parametrize(("base", "relative", "expected"), [
    ("charts/app", "values-prod.yaml", "charts/app/values-prod.yaml"),
    ("charts/app", "../shared/./values.yaml", "charts/shared/values.yaml"),
    (".", "k8s/app.yaml", "k8s/app.yaml"),
    ("", "a\\b.yaml", "a/b.yaml"),
    ("infra/modules/x", "../../..", ""),
    ("infra", "../..", None),
    ("", "../etc/passwd", None),
    ("charts", "/etc/passwd", None),
])
def test_join_inside(base: str, relative: str, expected: str | None) -> None:
    assert join_inside(base, relative) == expected


def test_resolve_inside_refuses_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "charts").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "charts" / "escape").symlink_to(tmp_path / "outside")
    (root / "charts" / "app").mkdir()
    assert resolve_inside(root, "charts", "app/values.yaml") == "charts/app/values.yaml"
    assert resolve_inside(root, "charts", "escape/values.yaml") is None
    assert join_inside("charts", "escape/values.yaml") == "charts/escape/values.yaml"
