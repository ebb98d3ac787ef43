"""One merge for Helm values files (scanner and render worker) and OPA data documents."""

from __future__ import annotations

from engine.mappings import deep_merge


def test_mappings_merge_and_everything_else_is_replaced_without_changing_the_inputs() -> None:
    base = {"image": {"repository": "r", "tag": "1"}, "ports": [80], "debug": True}
    override = {"image": {"tag": "2"}, "ports": [443], "debug": None}
    assert deep_merge(base, override) == {"image": {"repository": "r", "tag": "2"},
                                          "ports": [443], "debug": None}
    assert base == {"image": {"repository": "r", "tag": "1"}, "ports": [80], "debug": True}
    assert override == {"image": {"tag": "2"}, "ports": [443], "debug": None}
