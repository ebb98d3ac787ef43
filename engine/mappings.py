"""Merging nested mappings the way Helm merges values files and OPA merges data documents.

Dependency-free on purpose: the Helm render worker imports it, and the worker must start
fast and load nothing of the scanner but what it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge key by key, anything else (lists,
    scalars, a ``null``) replaces what was there. Neither argument is changed."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged
