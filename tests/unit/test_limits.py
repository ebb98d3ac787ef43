"""engine/limits.py: the config section, the YAML graph check, the bounded file read, and the
time budget of run_scan under a deterministic clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from engine.config import ConfigError, load_config
from engine.limits import (
    LimitExceeded,
    Limits,
    NotReadable,
    applied,
    check_json_depth,
    check_yaml_node,
    read_limited,
)
from engine.load.yaml_loader import BoundedSafeLoader, StrictLoader


def test_every_limit_has_a_default_and_the_config_sets_them(tmp_path: Path) -> None:
    assert load_config(None).limits == Limits()
    config = tmp_path / ".gitops-compliance.yaml"
    config.write_text("limits:\n  file_bytes: 10\n  scan_seconds: 2.5\n  yaml_alias_nodes: 0\n")
    limits = load_config(config).limits
    assert (limits.file_bytes, limits.scan_seconds, limits.yaml_alias_nodes) == (10, 2.5, 0)
    assert limits.nesting_depth == Limits().nesting_depth


@pytest.mark.parametrize("text,message", [
    ("limits: 3", "limits: expected a mapping"),
    ("limits: {max_files: 3}", "limits: unknown key 'max_files' (known keys: file_bytes,"),
    ("limits: {file_bytes: 0}", "limits.file_bytes: expected a whole number >= 1, got 0"),
    ("limits: {yaml_documents: 2.0}", "limits.yaml_documents: expected a whole number >= 1"),
    ("limits: {nesting_depth: yes}", "limits.nesting_depth: expected a whole number >= 1, got "
                                     "True"),
    ("limits: {scan_seconds: -1}", "limits.scan_seconds: expected a number of seconds >= 0"),
    ("limits: {scan_seconds: .inf}", "limits.scan_seconds: expected a number of seconds >= 0"),
])
def test_a_bad_limit_is_a_config_error_naming_the_key(tmp_path: Path, text: str,
                                                      message: str) -> None:
    config = tmp_path / ".gitops-compliance.yaml"
    config.write_text(text + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert message in str(raised.value)
    assert str(config) in str(raised.value)


def test_a_config_file_with_a_billion_laughs_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / ".gitops-compliance.yaml"
    config.write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
        for p, n in zip("abcdef", "bcdefg", strict=True)))
    with pytest.raises(ConfigError, match=r"limits\.yaml_alias_nodes"):
        load_config(config)


def _graph(text: str) -> yaml.Node:
    node = yaml.compose(text)
    assert node is not None
    return node


def test_alias_expansion_is_counted_per_use() -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"  # *a adds 4 nodes (the list and 3 items), twice
    check_yaml_node(_graph(text), Limits(yaml_alias_nodes=8))
    with pytest.raises(LimitExceeded) as raised:
        check_yaml_node(_graph(text), Limits(yaml_alias_nodes=7))
    assert raised.value.key == "yaml_alias_nodes"


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(LimitExceeded, match="recursive alias"):
        check_yaml_node(_graph("a: &a [1, *a]\n"))


def test_depth_counts_through_aliases() -> None:
    # The anchored value is 3 deep where it is defined, and 5 deeper where it is used.
    text = "a: &a [[[1]]]\nb: [[[[[*a]]]]]\n"
    check_yaml_node(_graph(text), Limits(nesting_depth=9))
    with pytest.raises(LimitExceeded) as raised:
        check_yaml_node(_graph(text), Limits(nesting_depth=8))
    assert (raised.value.key, raised.value.line) == ("nesting_depth", 2)


def test_the_strict_loader_checks_before_constructing() -> None:
    with applied(Limits(yaml_documents=2)), pytest.raises(LimitExceeded) as raised:
        list(yaml.load_all("a: 1\n---\nb: 2\n---\nc: 3\n", Loader=StrictLoader))
    assert (raised.value.key, raised.value.line) == ("yaml_documents", 5)
    # 900 levels (libyaml's own parser stops at 1000): refused by the iterative check,
    # never a RecursionError from the recursive constructor.
    with pytest.raises(LimitExceeded, match=r"limits\.nesting_depth = 128"):
        yaml.load("[" * 900 + "]" * 900, Loader=StrictLoader)


def test_json_depth() -> None:
    value: object = 1
    for _ in range(5):
        value = [value]
    check_json_depth(value, Limits(nesting_depth=5))
    with pytest.raises(LimitExceeded):
        check_json_depth(value, Limits(nesting_depth=4))


def test_read_limited_never_opens_a_fifo_for_good_or_reads_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotReadable, match="a FIFO"):
        read_limited(fifo)  # a blocking open would wait for a writer forever
    with pytest.raises(NotReadable, match="a character device"):
        read_limited(Path("/dev/zero"))  # endless: a plain read would never return
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 11)
    with applied(Limits(file_bytes=10)), pytest.raises(LimitExceeded, match="11 bytes"):
        read_limited(big)
    with applied(Limits(file_bytes=11)):
        assert read_limited(big) == b"x" * 11


def test_the_budget_runs_out_between_units(tmp_path: Path) -> None:
    # A clock that moves one second per reading: deterministic, no sleeping. With a budget
    # of a few seconds, the first units are evaluated and the later ones reported.
    import dataclasses

    from engine.pipeline import ScanRequest, run_scan
    from engine.source.worktree import worktree_snapshot
    from tests.hostile.fuzz_pipeline_support import policies
    from tests.hostile.seeds import BUCKET

    for index in range(6):
        (tmp_path / f"m{index}").mkdir()
        (tmp_path / f"m{index}" / "main.tf").write_text(BUCKET.replace("logs", f"b{index}"))
    units = {f"m{i}" for i in range(6)}
    midway = []
    for budget in range(40):
        ticks = iter(range(10_000))
        config = dataclasses.replace(load_config(None), limits=Limits(scan_seconds=budget))
        request = ScanRequest(snapshot=worktree_snapshot(tmp_path, False), scope=("",),
                              config=config, use_checkov=False, checkov_mode="off",
                              clock=lambda ticks=ticks: float(next(ticks)))  # type: ignore
        result = run_scan(request, policies())
        skipped = {e.unit for e in result.errors if e.code == "limit-exceeded"}
        scanned = {f.unit for f in result.findings}
        # Every unit is either evaluated or named as not evaluated: nothing silently missing.
        assert skipped | scanned == units and not skipped & scanned
        assert result.verdict.exit_code == (3 if skipped else 1)
        if skipped and scanned:
            midway.append(budget)
    assert midway  # some budget ran out after the first units and before the last


def test_conftest_inputs_are_read_within_the_limits(tmp_path: Path) -> None:
    from engine.load.documents import load_file

    (tmp_path / "deep.json").write_text("[" * 30 + "]" * 30)
    (tmp_path / "laughs.yaml").write_text("a: &a [1, 1, 1]\nb: [*a, *a, *a, *a]\n")
    (tmp_path / "blob.toml").write_bytes(b"a = 1\x00")
    os.mkfifo(tmp_path / "pipe.yaml")
    with applied(Limits(nesting_depth=29, yaml_alias_nodes=15)):
        found = {name: load_file(tmp_path, name).errors for name in
                 ("deep.json", "laughs.yaml", "blob.toml", "pipe.yaml")}
    assert {name: [(e.code, e.file) for e in errors] for name, errors in found.items()} == {
        "deep.json": [("limit-exceeded", "deep.json")],
        "laughs.yaml": [("limit-exceeded", "laughs.yaml")],
        "blob.toml": [("binary-file", "blob.toml")],
        "pipe.yaml": [("path-error", "pipe.yaml")]}
    assert "limits.nesting_depth = 29" in found["deep.json"][0].message
    assert "limits.yaml_alias_nodes = 15" in found["laughs.yaml"][0].message
    with applied(Limits(nesting_depth=30, yaml_alias_nodes=16)):
        assert load_file(tmp_path, "deep.json").errors == ()
        assert load_file(tmp_path, "laughs.yaml").errors == ()


def test_the_waivers_file_is_read_within_the_limits(tmp_path: Path) -> None:
    from engine.decide.waiver_file import load_waivers

    laughs = tmp_path / "waivers.yaml"
    laughs.write_text("version: 1\nx: &x [1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 8)}]\n"
        for p, n in zip("xabcdefg", "abcdefgh", strict=True)) + "waivers: []\n")
    loaded = load_waivers(laughs)
    assert not loaded.valid and loaded.waivers == ()
    assert [(p.line, "limits.yaml_alias_nodes = 1000000" in p.message)
            for p in loaded.problems] == [(1, True)]
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert "a FIFO" in load_waivers(fifo).problems[0].message


def test_the_alias_limit_is_per_stream_in_every_loader(tmp_path: Path) -> None:
    # Each document adds 6 nodes (*a: the list and 2 items, twice); three add 18.
    document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: &a [1, 2]\ny: [*a, *a]\n"
    (tmp_path / "three.yaml").write_text("---\n".join([document] * 3))
    from engine.load.documents import load_file
    from engine.load.kubernetes import load_text

    text = (tmp_path / "three.yaml").read_text()
    with applied(Limits(yaml_alias_nodes=17)):
        conftest = load_file(tmp_path, "three.yaml").errors
        resources, errors = load_text(text, "three.yaml")
        with pytest.raises(LimitExceeded, match="aliases add 18 nodes"):
            list(yaml.load_all(text, Loader=BoundedSafeLoader))
    assert [(e.code, e.line) for e in conftest] == [("limit-exceeded", 13)]
    assert [(e.code, e.line) for e in errors] == [("limit-exceeded", 13)]
    assert [r.line for r in resources] == [1, 7]  # the documents before the limit was passed
    assert "limits.yaml_alias_nodes = 17" in errors[0].message
    with applied(Limits(yaml_alias_nodes=18)):
        assert load_file(tmp_path, "three.yaml").errors == ()
        assert len(load_text(text, "three.yaml")[0]) == 3
