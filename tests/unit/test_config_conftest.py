"""The ``conftest`` section of ``.gitops-compliance.yaml`` (docs/conftest.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, ConftestConfig, load_config
from engine.model import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".gitops-compliance.yaml"
    path.write_text(text)
    return path


def test_defaults_are_conftests() -> None:
    settings = load_config(None).conftest
    assert settings == ConftestConfig()
    assert (settings.namespaces, settings.rego_version, settings.default_severity) == (
        ("main",), "v1", Severity.HIGH)


def test_full_section(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, """
conftest:
  policies: [policy, ../shared-policy]
  namespaces: [main, kubernetes.security]
  all_namespaces: false
  rego_version: v0
  data: [policy-data]
  default_severity: medium
""")).conftest
    assert settings.policies == (tmp_path / "policy", tmp_path / "../shared-policy")
    assert settings.namespaces == ("main", "kubernetes.security")
    assert settings.rego_version == "v0"
    assert settings.data == (tmp_path / "policy-data",)
    assert settings.default_severity is Severity.MEDIUM


@pytest.mark.parametrize(("text", "named"), [
    ("conftest: [policy]\n", "conftest: expected a mapping"),
    ("conftest:\n  policy: [p]\n", "conftest: unknown key 'policy'"),
    ("conftest:\n  policies: p\n", "conftest.policies"),
    ("conftest:\n  namespaces: [1]\n", "conftest.namespaces"),
    ("conftest:\n  rego_version: v2\n", "conftest.rego_version"),
    ("conftest:\n  all_namespaces: yes please\n", "conftest.all_namespaces"),
    ("conftest:\n  default_severity: urgent\n", "conftest.default_severity"),
    ("conftest:\n  data: [1]\n", "conftest.data"),
])
def test_bad_values_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    assert named in str(raised.value)
