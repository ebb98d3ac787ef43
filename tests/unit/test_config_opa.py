"""The ``opa:`` section of the config: validated like every other key (exit 2 naming it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, OpaSettings, load_config


def _load(tmp_path: Path, text: str) -> OpaSettings | None:
    path = tmp_path / ".gitops-compliance.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path).opa


def test_defaults_and_relative_ca_bundle(tmp_path: Path) -> None:
    assert _load(tmp_path, "fail_on: high\n") is None
    settings = _load(tmp_path, "opa:\n  url: https://opa.example.com/opa\n"
                               "  ca_bundle: certs/ca.pem\n  token_env: OPA_TOKEN\n")
    assert settings == OpaSettings(url="https://opa.example.com/opa", mode="query",
                                   token_env="OPA_TOKEN",
                                   ca_bundle=str(tmp_path / "certs/ca.pem"),
                                   timeout=10.0, retries=3)


@pytest.mark.parametrize(("text", "named"), [
    ("opa: https://opa\n", "opa: expected a mapping"),
    ("opa: {mode: push}\n", "opa.url: required"),
    ("opa: {url: 'opa.example.com'}\n", "is not an http:// or https:// URL"),
    ("opa: {url: 'https://u:p@opa'}\n", "credentials do not belong in the URL"),
    ("opa: {url: 'https://opa', mode: pull}\n", "opa.mode: 'pull' is not one of query, push"),
    ("opa: {url: 'https://opa', token: abc}\n", "opa: unknown key 'token'"),
    ("opa: {url: 'https://opa', token_env: 'Bearer abc'}\n", "opa.token_env"),
    ("opa: {url: 'https://opa', timeout: 0}\n", "opa.timeout"),
    ("opa: {url: 'https://opa', retries: 99}\n", "opa.retries"),
])
def test_bad_opa_section_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("(", r"\(")):
        _load(tmp_path, text)
