"""conftest's check, replayed on real OPA (the ``opa_bindings`` oracle), must count what the
embedded engine counts.

The oracle follows conftest's policy/engine.go query for query: for each rule,
``data.<ns>.exception[_][_] == "<name>"`` (one exception per solution) and
``data.<ns>.<rule>`` (a set's items fail or warn, an empty set passes, undefined gives
nothing), then successes topped up to the rule definitions. Our evaluator instead runs one
generated aggregate rule on regorus; both must agree file by file and namespace by
namespace, and on every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.conftest import ConftestPolicySet, exception_name, is_failure
from engine.load.documents import load_file
from engine.model import Status
from tests.evaluate.conftest_cases import evaluate, load
from tests.evaluate.test_conftest_semantics import (
    DEPLOYMENTS,
    EXCEPTIONS,
    HCL,
    NAMESPACED,
    REPLICAS,
    RULE_INPUTS,
    RULE_KINDS,
    V1_POLICY,
)
from tests.oracle import require_opa

TF_POLICY = """package main

deny contains msg if {
\tsome name
\tsome bucket in input.resource.aws_s3_bucket[name]
\tsome v in bucket.versioning
\tv.enabled == false
\tmsg := sprintf("bucket %s has versioning disabled", [name])
}

warn_http contains name if {
\tsome name
\tsome listener in input.resource.aws_alb_listener[name]
\tlistener.protocol == "HTTP"
}
"""

DOCKER_POLICY = """package main

deny_latest contains sprintf("stage %d: %s", [i.Stage, i.Value[0]]) if {
\tsome i in input
\ti.Cmd == "from"
\tendswith(i.Value[0], ":latest")
}

warn_root contains "USER root" if {
\tsome i in input
\ti.Cmd == "user"
\ti.Value[0] == "root"
}
"""

Counts = tuple[int, int, int, int]  # successes, failures, warnings, exceptions


def _opa_check(opa: Any, policies: ConftestPolicySet, namespace: str,
               document: Any) -> tuple[Counts, set[str]]:
    successes = failures = warnings = exceptions = 0
    messages: set[str] = set()
    for rule in policies.rules[namespace]:
        query = f'data.{namespace}.exception[_][_] == "{exception_name(rule.name)}"'
        matched = len(opa.eval_query(query, input=document))
        results: list[Any] = []
        answer = opa.eval_query(f"x := data.{namespace}.{rule.name}", input=document)
        if answer:
            value = answer[0]["x"]
            results = (list(value) or [None]) if isinstance(value, list) else [None]
        if matched:
            exceptions += matched
            continue
        for item in results:
            if item is None:
                successes += 1
                continue
            messages.add(item if isinstance(item, str) else item["msg"])
            if is_failure(rule.name):
                failures += 1
            else:
                warnings += 1
    definitions = sum(r.count for r in policies.rules[namespace])
    seen = successes + failures + warnings + exceptions
    successes += max(definitions - seen, 0)
    return (successes, failures, warnings, exceptions), messages


def _oracle(policies: ConftestPolicySet, root: Path,
            inputs: Mapping[str, str]) -> tuple[dict[tuple[str, str], Counts], set[str]]:
    opa = require_opa()()
    for name, text in policies.modules:
        opa.add_policy(name, text)
    if policies.data:
        opa.add_data(dict(policies.data))
    counts: dict[tuple[str, str], Counts] = {}
    messages: set[str] = set()
    for name in inputs:
        parsed = load_file(root / "configs", name)
        for namespace in policies.namespaces:
            total = (0, 0, 0, 0)
            for document in parsed.documents:
                one, found = _opa_check(opa, policies, namespace, document.value)
                total = tuple(a + b for a, b in zip(total, one, strict=True))  # type: ignore[assignment]
                messages |= found
            counts[(name, namespace)] = total
    return counts, messages


CASES = {
    "rule-kinds": ({"rules.rego": RULE_KINDS}, RULE_INPUTS, {}),
    "exceptions": ({"k8s.rego": EXCEPTIONS}, {"deploy.yaml": DEPLOYMENTS}, {}),
    "namespaces": (NAMESPACED, {"x.yaml": "kind: X\n", "y.yaml": "kind: Y\n"},
                   {"all_namespaces": True}),
    "bare-warn-exception": ({"p.rego": V1_POLICY}, {"d.yaml": REPLICAS}, {}),
    "hcl2-input": ({"tf.rego": TF_POLICY}, {"main.tf": HCL}, {}),
    "dockerfile-input": ({"docker.rego": DOCKER_POLICY},
                         {"Dockerfile": "FROM a:latest AS b\nUSER root\nFROM c:1\n"}, {}),
    # one exception per solution: ["a", "a"] and ["a", "b"] name "a" three times
    "duplicate-exceptions": ({"p.rego": 'package main\n\ndeny_a contains "a fired" if input.x'
                                        '\n\nexception contains ["a", "a"] if input.x\n\n'
                                        'exception contains ["a", "b"] if input.x\n'},
                             {"x.yaml": "x: true\n", "y.yaml": "x: false\n"}, {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_counts_and_messages_match_real_opa(tmp_path: Path, case: str) -> None:
    policy_files, inputs, options = CASES[case]
    policies = load(tmp_path, policy_files, **options)
    outcome = evaluate(tmp_path, policies, inputs)
    ours = {(t.file, t.namespace): (t.successes, t.failures, t.warnings, t.exceptions)
            for t in outcome.tallies}
    theirs, messages = _oracle(policies, tmp_path, inputs)
    assert ours == theirs
    assert {f.message for f in outcome.findings if f.status is Status.FAILED} == messages
    assert sum(sum(c) for c in ours.values()) > 0  # the case exercised something
