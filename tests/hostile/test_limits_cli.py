"""Every limit of docs/limits.md, end to end: one file over the limit is an error finding
naming the file and the limit (exit 3) and the rest of the scan is still reported; a file
just under the limit scans cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.seeds import JOB, SEED_FINDINGS, error_for, failed, scan, seed_repo

pytestmark = pytest.mark.slow

LIMIT = "limit-exceeded"


def _config(**limits: object) -> dict[str, str]:
    lines = "".join(f"  {k}: {v}\n" for k, v in limits.items())
    return {".gitops-compliance.yaml": f"limits:\n{lines}"}


def _padded(text: str, size: int) -> str:
    """``text`` grown with a trailing comment to exactly ``size`` bytes."""
    pad = size - len(text.encode()) - 2
    assert pad >= 0
    return text + "#" + "x" * pad + "\n"


@pytest.mark.parametrize("name,text", [("big/job.yaml", JOB.replace("train", "big")),
                                       ("big/main.tf", 'resource "aws_s3_bucket" "big" {}\n')])
def test_file_bytes_over_the_limit_is_reported_and_the_rest_scanned(
        tmp_path: Path, name: str, text: str) -> None:
    over = seed_repo(tmp_path / "over", {name: _padded(text, 4001), **_config(file_bytes=4000)})
    code, document = scan(over)
    assert code == 3
    error = error_for(document, name)
    assert error["code"] == LIMIT
    assert "file of 4001 bytes" in error["message"]
    assert "limits.file_bytes = 4000" in error["message"]
    assert failed(document) >= SEED_FINDINGS
    assert not any(f["file"] == name for f in document["findings"])

    under = seed_repo(tmp_path / "under", {name: _padded(text, 4000),
                                           **_config(file_bytes=4000)})
    code, document = scan(under)
    assert document["errors"] == []
    assert code == 1
    assert any(f["file"] == name for f in document["findings"])


def test_file_bytes_applies_to_values_files_and_plans(tmp_path: Path) -> None:
    plan = json.dumps({"format_version": "1.2", "terraform_version": "1.7.0",
                       "planned_values": {"root_module": {"resources": []}}})
    repo = seed_repo(tmp_path / "repo", {
        "plan/tfplan.json": _padded(plan, 3000).replace("#", " ").rstrip("\n").replace(
            "x", " ") + "\n",
        "web/values-prod.yaml": _padded("replicas: 2\n", 3000),
        **_config(file_bytes=2999)})
    code, document = scan(repo)
    assert code == 3
    assert error_for(document, "plan/tfplan.json")["code"] == LIMIT
    # Helm loads every file of the chart folder: no values set of the chart is rendered.
    values = {(e["code"], e["unit"]) for e in document["errors"]
              if e["file"] == "web/values-prod.yaml" and "limits.file_bytes = 2999" in e["message"]}
    assert values == {(LIMIT, "chart:web@values-prod.yaml"), (LIMIT, "chart:web@defaults")}
    assert {s for s in SEED_FINDINGS if not s[2].startswith("web/")} <= failed(document)


def test_yaml_documents_over_the_limit(tmp_path: Path) -> None:
    three = "---\n".join(JOB.replace("name: train", f"name: t{i}") for i in range(3))
    over = seed_repo(tmp_path / "over", {"many.yaml": three + "---\n" + JOB.replace(
        "name: train", "name: t3"), **_config(yaml_documents=3)})
    code, document = scan(over)
    assert code == 3
    error = error_for(document, "many.yaml")
    assert error["code"] == LIMIT
    assert error["line"] == 3 * (JOB.count("\n") + 1) + 1  # where the 4th document starts
    assert "limits.yaml_documents = 3" in error["message"]
    assert failed(document) >= SEED_FINDINGS

    under = seed_repo(tmp_path / "under", {"many.yaml": three, **_config(yaml_documents=3)})
    code, document = scan(under)
    assert document["errors"] == [] and code == 1
    assert {f["resource"] for f in document["findings"] if f["file"] == "many.yaml"} == {
        "Job/ml/t0", "Job/ml/t1", "Job/ml/t2"}


def _nested(depth: int) -> str:
    """A ConfigMap whose data nests ``depth`` collections deep in total."""
    inner = "[" * (depth - 3) + "]" * (depth - 3)  # object, metadata, annotations: 3 levels
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  namespace: ml\n"
            f"  annotations: {{a: {inner}}}\n")


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_nesting_depth_over_the_limit(tmp_path: Path, suffix: str) -> None:
    def text(depth: int) -> str:
        if suffix == "yaml":
            return _nested(depth)
        value: object = {}
        for _ in range(depth - 2):  # the object and its innermost {} make the other 2
            value = {"a": value}
        return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "deep", "namespace": "ml"}, "data": value})

    name = f"deep.{suffix}"
    over = seed_repo(tmp_path / "over", {name: text(21), **_config(nesting_depth=20)})
    code, document = scan(over)
    assert code == 3
    error = error_for(document, name)
    assert error["code"] == LIMIT and "limits.nesting_depth = 20" in error["message"]
    assert failed(document) >= SEED_FINDINGS

    refused = document["scan"]["resource_count"]
    under = seed_repo(tmp_path / "under", {name: text(20), **_config(nesting_depth=20)})
    code, document = scan(under)
    assert document["errors"] == []
    assert document["scan"]["resource_count"] == refused + 1  # the ConfigMap loaded


def billion_laughs(levels: int = 9) -> str:
    lines = ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol, namespace: ml}\ndata:',
             '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijklmn"[:levels - 1]:
        lines.append(f"  {name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_rejected_on_the_node_graph(tmp_path: Path) -> None:
    # 9 levels of 9 aliases: about 4.9e8 nodes once expanded. Built as Python objects and
    # serialized for the Rego engine, it would exhaust memory; rejected, it costs one pass
    # over a graph of ~100 nodes. The default limits apply (no config).
    repo = seed_repo(tmp_path / "repo", {"lol/laughs.yaml": billion_laughs(),
                                         "web/values-lol.yaml": billion_laughs()})
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, "lol/laughs.yaml")
    assert error["code"] == LIMIT and error["line"] == 1
    assert "aliases expand the document to 490329076 nodes" in error["message"]
    assert "limits.yaml_alias_nodes = 1000000" in error["message"]
    values = error_for(document, "web/values-lol.yaml")
    assert values["code"] == LIMIT and "yaml_alias_nodes" in values["message"]
    assert failed(document) >= SEED_FINDINGS


def test_aliases_under_the_limit_are_expanded_as_usual(tmp_path: Path) -> None:
    # 3 levels of 9 aliases: the smallest limit that lets it through is found on the node
    # graph; the scan passes at exactly that limit and refuses the file one below it.
    text = billion_laughs(3)
    import yaml

    from engine.limits import LimitExceeded, Limits, check_yaml_node

    node = yaml.compose(text)
    allowed = 0
    for allowed in range(10_000):
        try:
            check_yaml_node(node, Limits(yaml_alias_nodes=allowed))
        except LimitExceeded:
            continue
        break
    under = seed_repo(tmp_path / "under", {"lol.yaml": text, **_config(
        yaml_alias_nodes=allowed)})
    code, document = scan(under)
    assert document["errors"] == [] and code == 1
    loaded = document["scan"]["resource_count"]
    over = seed_repo(tmp_path / "over", {"lol.yaml": text, **_config(
        yaml_alias_nodes=allowed - 1)})
    code, document = scan(over)
    assert code == 3 and error_for(document, "lol.yaml")["code"] == LIMIT
    assert document["scan"]["resource_count"] == loaded - 1  # only the ConfigMap is missing


def test_helm_output_bytes_over_the_limit_stops_the_render(tmp_path: Path) -> None:
    # 400 ConfigMaps of ~120 bytes each: ~50 KB of rendered output (JSON-escaped).
    many = ("{{- range $i := until 400 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: filler-{{ $i }}\ndata:\n  padding: \"0123456789012345678901234567\"\n"
            "{{- end }}\n")
    over = seed_repo(tmp_path / "over", {"web/templates/many.yaml": many,
                                         **_config(helm_output_bytes=20000)})
    code, document = scan(over)
    assert code == 3
    error = error_for(document, "web/Chart.yaml")
    assert error["code"] == LIMIT and error["unit"] == "chart:web@defaults"
    assert "limits.helm_output_bytes = 20000" in error["message"]
    assert SEED_FINDINGS - {s for s in SEED_FINDINGS if s[2].startswith("web/")} <= \
        failed(document)

    under = seed_repo(tmp_path / "under", {"web/templates/many.yaml": many,
                                           **_config(helm_output_bytes=1_000_000)})
    code, document = scan(under)
    assert document["errors"] == [] and code == 1
    assert failed(document) >= SEED_FINDINGS


def test_a_scan_budget_of_zero_evaluates_nothing_and_says_which_units(tmp_path: Path) -> None:
    repo = seed_repo(tmp_path / "repo", _config(scan_seconds=0))
    code, document = scan(repo)
    assert code == 3
    assert document["verdict"] != "passed"
    assert document["findings"] == []
    skipped = {(e["code"], e["unit"]) for e in document["errors"]}
    assert skipped == {(LIMIT, "infra"), (LIMIT, "kubernetes"), (LIMIT, "chart:web@defaults")}
    assert all("limits.scan_seconds = 0 s" in e["message"] for e in document["errors"])


@pytest.mark.parametrize("key,value", [("file_bytes", "0"), ("file_bytes", "1.5"),
                                       ("scan_seconds", "-1"), ("nesting_depth", "true"),
                                       ("yaml_alias_nodes", "-1"), ("max_files", "3")])
def test_a_bad_limit_is_a_config_error_naming_it(tmp_path: Path, key: str, value: str) -> None:
    from tests.conftest import run_cli

    repo = seed_repo(tmp_path / "repo", {".gitops-compliance.yaml": f"limits:\n  {key}: {value}\n"})
    run = run_cli("scan", str(repo), "--no-checkov")
    assert run.code == 2
    assert f"limits.{key}" in run.err or f"unknown key {key!r}" in run.err


def test_a_blob_over_the_size_limit_is_never_inflated_in_ref_mode(tmp_path: Path) -> None:
    # Read from git objects (the file is gone from the working tree): the size comes from
    # the object header, and the blob is not read.
    from engine.limits import Limits, applied
    from engine.source.git_repo import GitRepository

    repo = seed_repo(tmp_path / "repo", {"big/job.yaml": _padded(JOB, 5000)})
    git_repo = GitRepository(repo)
    try:
        entries = git_repo.commit_entries(git_repo.resolve("HEAD"))
        with applied(Limits(file_bytes=4999)):
            written, errors = git_repo.materialize(entries, tmp_path / "out", lambda _p: True)
    finally:
        git_repo.close()
    assert "big/job.yaml" not in written and "k8s/job.yaml" in written
    assert [(e.code, e.file) for e in errors] == [(LIMIT, "big/job.yaml")]
    assert "file of 5000 bytes: over the limit limits.file_bytes = 4999" in errors[0].message
    assert not (tmp_path / "out" / "big" / "job.yaml").exists()


def test_alias_expansion_is_limited_per_file_not_per_document(tmp_path: Path) -> None:
    # Two documents each under the limit, together over it: before the total was kept per
    # stream, forty such documents (14.6 KB) built 24 million nodes and exited 0.
    import yaml

    from engine.limits import Limits, check_yaml_node

    one = billion_laughs(3)
    added = check_yaml_node(yaml.compose(one), Limits())
    two = one + "---\n" + one.replace("name: lol,", "name: lol2,")
    second_line = one.count("\n") + 2
    limit = 2 * added - 1
    repo = seed_repo(tmp_path / "over", {"lol/two.yaml": two, "lol/one.yaml": one,
                                         **_config(yaml_alias_nodes=limit)})
    code, document = scan(repo)
    assert code == 3
    error = error_for(document, "lol/two.yaml")
    assert (error["code"], error["line"]) == (LIMIT, second_line)
    assert error["message"] == (
        f"aliases add {2 * added} nodes to the file's documents up to this one: over the "
        f"limit limits.yaml_alias_nodes = {limit}; not scanned")
    assert [e["file"] for e in document["errors"]] == ["lol/two.yaml"]  # one.yaml is fine
    assert failed(document) >= SEED_FINDINGS  # the other files are still judged

    exact = seed_repo(tmp_path / "exact", {"lol/two.yaml": two,
                                           **_config(yaml_alias_nodes=2 * added)})
    code, document = scan(exact)
    assert document["errors"] == [] and code == 1
