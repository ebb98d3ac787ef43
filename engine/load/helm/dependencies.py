"""Declared dependencies that will be deployed but are not in the chart.

Helm renders a chart whose enabled dependency is missing from ``charts/`` silently, with the
subchart's objects absent (``helm dependency build`` would fetch it — from the network, which
a scanner must not touch). Such a chart is a render error here. A dependency disabled by its
``condition`` or ``tags`` needs nothing. The enablement rules are Helm's
(``ProcessDependencyEnabled``): tags first (any tag true enables, otherwise any tag false
disables), then the first condition path that holds a boolean overrides them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def missing_dependencies(declared: Sequence[Any], vendored: Sequence[str],
                         values: Mapping[str, Any]) -> list[str]:
    """Names (``name`` or ``name as alias``) of enabled dependencies that are not vendored."""
    present = set(vendored)
    missing = []
    for dependency in declared:
        if not isinstance(dependency, Mapping):
            continue
        name = str(dependency.get("name") or "")
        if not name or name in present or not enabled(dependency, values):
            continue
        alias = dependency.get("alias")
        missing.append(f"{name} (as {alias})" if alias else name)
    return missing


def enabled(dependency: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    state = True
    tags = dependency.get("tags") or []
    raw_tags = values.get("tags")
    tag_values: Mapping[str, Any] = raw_tags if isinstance(raw_tags, Mapping) else {}
    seen = [tag_values.get(t) for t in tags if isinstance(t, str) and isinstance(
        tag_values.get(t), bool)]
    if any(seen):
        state = True
    elif seen:
        state = False
    for path in str(dependency.get("condition") or "").split(","):
        path = path.strip()
        if not path:
            continue
        found = _lookup(values, path)
        if isinstance(found, bool):
            return found
    return state


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current
