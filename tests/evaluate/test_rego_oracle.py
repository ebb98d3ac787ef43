"""tests/oracle.py: skip without the oracle, but fail under CI=true."""

from __future__ import annotations

import sys

import pytest

from tests.oracle import require_opa


def test_missing_oracle_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opa_bindings", None)  # makes the import fail
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="OPA oracle unavailable"):
        require_opa()


def test_missing_oracle_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opa_bindings", None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
        require_opa()
