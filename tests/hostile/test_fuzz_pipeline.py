"""Mutated Terraform, Kubernetes YAML/JSON and Helm chart files through the whole pipeline.

Real loaders, the real Rego engine, Helm's renderer, and (in-process, shared) Checkov on
the Terraform and Kubernetes examples whose drawn flag is 0 (32 of 90 with this seed): no
exception escapes, every run ends with exit 0, 1 or 3 and a JSON report that validates
against schemas/scan-result-v1.json, and no unit's work failed with an internal error (the
pipeline's guard would hide a loader crash as one). Derandomized with a fixed budget: the
same examples on every run, and the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import Config
from engine.model import ScanResult
from tests.hostile.fuzz_pipeline_support import policies
from tests.hostile.fuzz_seeds import KINDS

pytestmark = pytest.mark.slow

EXAMPLES = {"terraform": 45, "kubernetes": 45, "helm": 30}
TRIED: dict[str, int] = dict.fromkeys([*EXAMPLES, "with checkov"], 0)

# Syntax of either language, dropped at a line start: structure, anchors, tags, templates.
SNIPPETS = [
    ": ", "- ", "? ", "&a ", "*a", "*undefined", "<<: *a\n", "!!binary ",
    "!!python/object:os.system ", "!!set ", "!!timestamp 2024-13-45 ", "!!int x ", "---\n",
    "...\n", "%YAML 1.1\n", "|\n",
    ">-\n", "{", "}", "[", "]", "\t", '"', "'", "#", "a: &x [*x]\n", "key: value\nkey: dup\n",
    "{{", "}}", "{{ .Values.missing.deeper }}", "{{- fail \"boom\" }}", "{{ include \"nope\" . }}",
    "{{ range until 50 }}x{{ end }}", "{{ toYaml .Values | nindent 2 }}", "${", "${var.nope}",
    "resource \"aws_s3_bucket\" {", "module \"m\" { source = \"../../..\" }\n", "<<EOT\n",
    "dynamic \"x\" {\n", "= jsonencode({", "locals { a = local.a }\n", "count = -1\n",
    "apiVersion: v1\nkind: List\nitems: [1, null, {}]\n", "kind: 7\n", "metadata: []\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n", "\ufeff", "\u202e", "\U0001F600",
    "\u2028", "\x85", "\x7f", "\x1b[31m", "null", "~", "1e999", "-0", ".nan", "0x1F", "0o17",
]
HUGE = ["1e999", "99999999999999999999999999999999999999", "-1e308", ".inf", "NaN",
        "1" * 400, "0.0000000000000000000000000000001"]

MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 4000), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 4000)),
    st.tuples(st.just("duplicate"), st.integers(0, 120), st.integers(1, 40)),
    st.tuples(st.just("delete"), st.integers(0, 120)),
    st.tuples(st.just("insert"), st.integers(0, 120), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("nest"), st.integers(0, 120), st.integers(1, 2000),
              st.sampled_from(["[", "{a: ", "- ", "{\"a\": [", "x = {"])),
    st.tuples(st.just("number"), st.integers(0, 40), st.sampled_from(HUGE)),
    st.tuples(st.just("unicode"), st.integers(0, 4000), st.text(min_size=1, max_size=4)),
)


def mutate(data: bytes, mutation: tuple[Any, ...]) -> bytes:
    kind = mutation[0]
    lines = data.splitlines(keepends=True) or [b""]
    if kind == "flip":
        at = mutation[1] % max(len(data), 1)
        return data[:at] + bytes([mutation[2]]) + data[at + 1:]
    if kind == "truncate":
        return data[:mutation[1] % max(len(data), 1)]
    if kind == "duplicate":
        at = mutation[1] % len(lines)
        return b"".join(lines[:at] + [lines[at]] * (mutation[2] + 1) + lines[at + 1:])
    if kind == "delete":
        at = mutation[1] % len(lines)
        return b"".join(lines[:at] + lines[at + 1:])
    if kind == "insert":
        at = mutation[1] % len(lines)
        return b"".join([*lines[:at], mutation[2].encode(), *lines[at:]])
    if kind == "nest":
        at = mutation[1] % len(lines)
        opener: str = mutation[3]
        closer = "".join({"[": "]", "{": "}"}.get(c, "") for c in reversed(opener))
        nested = f"deep: {opener * mutation[2]}1{closer * mutation[2]}\n"
        return b"".join([*lines[:at], nested.encode(), *lines[at:]])
    if kind == "number":
        import re

        numbers = list(re.finditer(rb"\b\d+\b", data))
        if not numbers:
            return data
        found = numbers[mutation[1] % len(numbers)]
        return data[:found.start()] + mutation[2].encode() + data[found.end():]
    at = mutation[1] % max(len(data), 1)
    return data[:at] + mutation[2].encode("utf-8") + data[at:]


@cache
def _schema() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).parents[2] / "engine" / "schemas" /
                         "scan-result-v1.json").read_text())
    return Draft202012Validator(schema)


def scan_tree(root: Path, checkov: bool) -> tuple[int, dict[str, Any], ScanResult]:
    """The pipeline as the CLI runs it on a folder: snapshot, run_scan, the JSON reporter."""
    from engine.pipeline import ScanRequest, run_scan
    from engine.report import RenderOptions, get_renderer
    from engine.source.worktree import worktree_snapshot

    request = ScanRequest(snapshot=worktree_snapshot(root.resolve(), False), scope=("",),
                          config=Config(), use_checkov=checkov,
                          checkov_mode="run" if checkov else "off")
    result = run_scan(request, policies())
    text = get_renderer("json")(result, RenderOptions(color=False))
    return result.verdict.exit_code, json.loads(text), result


def _check(kind: str, target: str, mutations: list[tuple[Any, ...]], checkov: bool) -> None:
    TRIED[kind] += 1
    TRIED["with checkov"] += checkov
    files = KINDS[kind]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            data = text.encode()
            if name == target:
                for mutation in mutations:
                    data = mutate(data, mutation)
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        code, document, result = scan_tree(root, checkov)
    assert code in (0, 1, 3)
    assert document["exit_code"] == code
    errors = sorted(_schema().iter_errors(document), key=str)
    assert not errors, errors[0].message
    crashes = [e for e in result.errors if e.code in ("internal-error", "engine-error")]
    assert not crashes, crashes


def fuzz(kind: str) -> settings:
    return settings(derandomize=True, deadline=None, database=None, print_blob=True,
                    max_examples=EXAMPLES[kind], suppress_health_check=list(HealthCheck))


@fuzz("terraform")
@given(target=st.sampled_from(sorted(KINDS["terraform"])),
       mutations=st.lists(MUTATION, min_size=1, max_size=3), checkov=st.integers(0, 9))
def test_mutated_terraform_never_crashes_the_scan(target: str, mutations: list[Any],
                                                  checkov: int) -> None:
    _check("terraform", target, mutations, checkov == 0)


@fuzz("kubernetes")
@given(target=st.sampled_from(sorted(KINDS["kubernetes"])),
       mutations=st.lists(MUTATION, min_size=1, max_size=3), checkov=st.integers(0, 9))
def test_mutated_kubernetes_never_crashes_the_scan(target: str, mutations: list[Any],
                                                   checkov: int) -> None:
    _check("kubernetes", target, mutations, checkov == 0)


@fuzz("helm")
@given(target=st.sampled_from(sorted(KINDS["helm"])),
       mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_chart_never_crashes_the_scan(target: str, mutations: list[Any]) -> None:
    _check("helm", target, mutations, False)


@pytest.fixture(scope="module", autouse=True)
def _report_examples() -> Iterator[None]:
    yield
    total = sum(v for k, v in TRIED.items() if k in EXAMPLES)
    print(f"\nfuzz examples tried: {TRIED} (total {total})")


def test_the_seeds_scan_cleanly() -> None:
    # The mutations start from valid input: each seed alone scans without an error.
    for kind, files in KINDS.items():
        with tempfile.TemporaryDirectory() as folder:
            for name, text in files.items():
                (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(folder) / name).write_text(text)
            code, document, _ = scan_tree(Path(folder), False)
        assert document["errors"] == [], (kind, document["errors"])
        assert code == 1, kind
