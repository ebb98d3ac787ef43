from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, find_config, load_config
from engine.model import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".gitops-compliance.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config.fail_on == "high" and config.checkov_enabled and config.builtin_policies


def test_full_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
fail_on: medium
policies: [team-policies]
exclude:
  - {path: "legacy/**", reason: "decommissioned, INC-42"}
checkov:
  skip:
    - {id: CKV_AWS_18, reason: "access logs go to the central account", paths: ["infra/**"]}
params:
  gpu_max_per_container: 4
severity:
  GPU-01: critical
"""))
    assert config.fail_on == "medium"
    assert config.policies == (tmp_path / "team-policies",)
    assert config.exclude[0].path == "legacy/**"
    assert config.checkov_skip[0].paths == ("infra/**",)
    assert config.params == {"gpu_max_per_container": 4}
    assert config.severity == {"GPU-01": Severity.CRITICAL}


@pytest.mark.parametrize(("text", "named"), [
    ("fail_onn: high\n", "'fail_onn'"),
    ("fail_on: severe\n", "fail_on"),
    ("exclude:\n  - {path: x}\n", "exclude[0].reason"),
    ("checkov:\n  skip:\n    - {id: CKV_AWS_1}\n", "checkov.skip[0].reason"),
    ("checkov:\n  enable: false\n", "'enable'"),
    ("checkov:\n  enabled: 'no'\n", "checkov.enabled"),
    ("severity:\n  GPU-01: urgent\n", "severity.GPU-01"),
    ("params: [1]\n", "params"),
    ("params:\n  requried_tags: {}\n", "'requried_tags'"),
    ("params:\n  required_tags: 5\n", "params.required_tags"),
    ("params:\n  required_tags: {cost-center: 5}\n", "params.required_tags"),
    ("params:\n  gpu_max_per_container: eight\n", "params.gpu_max_per_container"),
    ("params:\n  gpu_namespace_allocations: {ml: -1}\n", "params.gpu_namespace_allocations"),
    ("- a\n", "top level"),
    ("fail_on: [\n", ".gitops-compliance.yaml:"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    assert named in str(raised.value)
    assert ".gitops-compliance.yaml" in str(raised.value)


def test_find_config_walks_up_to_the_root(tmp_path: Path) -> None:
    config = write(tmp_path, "fail_on: low\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested, tmp_path) == config
    assert find_config(nested, nested) is None


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "platform").mkdir()
    config = load_config(write(tmp_path / "platform", """
exclude: [{path: "legacy/**", reason: old}]
checkov:
  skip: [{id: CKV_AWS_144, reason: backups, paths: ["terraform/s3.tf"]}]
""")).rooted(tmp_path)
    assert config.exclude[0].path == "platform/legacy/**"
    assert config.checkov_skip[0].paths == ("platform/terraform/s3.tf",)
    assert load_config(write(tmp_path, "exclude: [{path: a, reason: b}]\n")).rooted(
        tmp_path).exclude[0].path == "a"


def test_a_params_key_replaces_its_default_whole() -> None:
    from engine.params import merge_params

    merged = merge_params({"required_tags": {"owner": None}})
    assert merged["required_tags"] == {"owner": None}
    assert merged["gpu_max_per_container"] == 8


def test_waiver_and_cache_keys(tmp_path: Path) -> None:
    defaults = load_config(None)
    assert (defaults.waivers, defaults.waiver_max_days, defaults.checkov_cache_miss) == \
        (None, 90, "skip")
    config = load_config(write(tmp_path, "waivers: gov/waivers.yaml\nwaiver_max_days: 30\n"
                                         "checkov:\n  cache_miss: run\n"))
    assert config.waivers == tmp_path / "gov" / "waivers.yaml"
    assert (config.waiver_max_days, config.checkov_cache_miss) == (30, "run")


@pytest.mark.parametrize(("text", "message"), [
    ("waivers: ''\n", "waivers: expected the path of the waivers file"),
    ("waivers: [a]\n", "waivers: expected the path of the waivers file"),
    ("waiver_max_days: 0\n", "waiver_max_days: expected a whole number of days"),
    ("waiver_max_days: true\n", "waiver_max_days: expected a whole number of days"),
    ("waiver_max_days: '90'\n", "waiver_max_days: expected a whole number of days"),
    ("checkov:\n  cache_miss: always\n", "checkov.cache_miss: 'always' is not one of skip, run"),
])
def test_bad_waiver_and_cache_keys_name_the_key(tmp_path: Path, text: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))
