"""The real-OPA oracle for differential tests (DESIGN.md §9).

``opa-golib-python-bindings`` embeds OPA's Go engine; it is installed in the test
environment only. Where it is missing the differential tests skip with the reason — except
under ``CI=true``, where a missing oracle must fail the run instead of silently skipping
the only check that the embedded engine agrees with OPA.
"""

from __future__ import annotations

import os
from typing import Any

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def require_opa() -> Any:
    """The ``opa_bindings.OpaEngine`` class, or skip (fail under ``CI=true``)."""
    try:
        from opa_bindings import OpaEngine
    except Exception as exc:  # ImportError, or OSError when the shared library cannot load
        reason = (f"OPA oracle unavailable (opa-golib-python-bindings: {exc}); install it "
                  "with: pip install --ignore-requires-python opa-golib-python-bindings")
        if running_in_ci():
            pytest.fail(f"{reason} — required when CI=true", pytrace=False)
        pytest.skip(reason)
    return OpaEngine
