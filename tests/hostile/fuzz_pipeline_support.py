"""The built-in policy set, loaded once for the in-process pipeline tests."""

from __future__ import annotations

from functools import cache
from typing import Any

from engine.config import Config


@cache
def policies() -> Any:
    from engine.evaluate.rego import load_policy_set
    from engine.pipeline.request import policy_dirs

    return load_policy_set(policy_dirs(Config(), []))
