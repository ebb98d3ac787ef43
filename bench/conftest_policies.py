"""Benchmark: a conftest-style policy set over a corpus (default: the shared
kubernetes-examples), through the CLI, in files per second.

    python bench/conftest_policies.py [--corpus DIR] [--runs 3] [--oracle]

The policy set is written for this benchmark (typical conftest Kubernetes rules: root,
privileged, host network, latest tags, limits, labels, a NodePort warning and an
exception). ``--oracle`` also replays conftest's own queries on real OPA
(``opa_bindings``, test environment only) and checks that its tally equals ours.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "kubernetes-examples"

POLICIES = {
    "workloads.rego": """package main

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet",
\t"ReplicationController"}

pod_spec := input.spec.template.spec if input.kind in workload_kinds

pod_spec := input.spec if input.kind == "Pod"

containers contains c if some c in pod_spec.containers

deny_run_as_root contains msg if {
\tnot pod_spec.securityContext.runAsNonRoot
\tsome c in containers
\tnot c.securityContext.runAsNonRoot
\tmsg := sprintf("%s/%s: container %s may run as root", [input.kind, input.metadata.name,
\t\tc.name])
}

deny_privileged contains {"msg": msg, "container": c.name} if {
\tsome c in containers
\tc.securityContext.privileged
\tmsg := sprintf("%s/%s: container %s is privileged", [input.kind, input.metadata.name,
\t\tc.name])
}

deny_host_network contains "host network is forbidden" if pod_spec.hostNetwork

violation_latest contains {"msg": sprintf("image %s uses the latest tag", [c.image])} if {
\tsome c in containers
\tendswith(c.image, ":latest")
}

warn_no_limits contains msg if {
\tsome c in containers
\tnot c.resources.limits
\tmsg := sprintf("container %s has no resource limits", [c.name])
}

warn_no_app_label contains "no app label" if {
\tinput.kind in workload_kinds
\tnot input.metadata.labels.app
}

exception contains rules if {
\tinput.kind == "DaemonSet"
\trules := ["host_network", "privileged"]
}
""",
    "services.rego": """package main

warn_nodeport contains msg if {
\tinput.kind == "Service"
\tinput.spec.type == "NodePort"
\tmsg := sprintf("Service %s is a NodePort", [input.metadata.name])
}
""",
}


def _scan(corpus: Path, policy_dir: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "engine", "scan", str(corpus), "--conftest-policies",
         str(policy_dir), "-o", "json", "--fail-on", "none"],
        capture_output=True, text=True, check=False, cwd=HERE.parent)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"scan failed ({done.returncode}): {done.stderr}")
    document: dict[str, object] = json.loads(done.stdout)
    return elapsed, document


def _oracle(corpus: Path, policy_dir: Path) -> dict[str, int]:
    """conftest's tally, replayed query for query on real OPA."""
    sys.path.insert(0, str(HERE.parent))
    from opa_bindings import OpaEngine

    from engine.evaluate.conftest import exception_name, is_failure, load_conftest_policies
    from engine.load.documents import load_file, parser_for

    policies = load_conftest_policies([policy_dir])
    opa = OpaEngine()
    for name, text in policies.modules:
        opa.add_policy(name, text)
    totals = {"tests": 0, "passed": 0, "warnings": 0, "failures": 0, "exceptions": 0}
    files = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file())
    for name in files:
        if parser_for(name) is None:
            continue
        for document in load_file(corpus, name).documents:
            for rules in policies.rules.values():
                seen = 0
                for rule in rules:
                    hits = len(opa.eval_query(
                        f'data.main.exception[_][_] == "{exception_name(rule.name)}"',
                        input=document.value))
                    if hits:
                        totals["exceptions"] += hits
                        seen += hits
                        continue
                    answer = opa.eval_query(f"x := data.main.{rule.name}", input=document.value)
                    value = answer[0]["x"] if answer else None
                    items = value if isinstance(value, list) else []
                    if answer and not items:
                        totals["passed"] += 1
                        seen += 1
                    key = "failures" if is_failure(rule.name) else "warnings"
                    totals[key] += len(items)
                    seen += len(items)
                definitions = sum(r.count for r in rules)
                totals["passed"] += max(definitions - seen, 0)
    totals["tests"] = sum(v for k, v in totals.items() if k != "tests")
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--oracle", action="store_true")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus {args.corpus} not found: skipped")
        return 0
    with tempfile.TemporaryDirectory() as temp:
        policy_dir = Path(temp)
        for name, text in POLICIES.items():
            (policy_dir / name).write_text(text, encoding="utf-8")
        times = []
        document: dict[str, object] = {}
        for _ in range(args.runs):
            elapsed, document = _scan(args.corpus, policy_dir)
            times.append(elapsed)
        conftest = document["conftest"]
        assert isinstance(conftest, dict)
        units = document["scan"]["units"]  # type: ignore[index]
        files = sum(len(u["files"]) for u in units)
        timings = document["scan"]["timings"]  # type: ignore[index]
        median = statistics.median(times)
        print(f"corpus: {args.corpus} ({files} files evaluated, "
              f"{len(conftest['not_evaluated'])} not evaluated, "
              f"{len(document['errors'])} errors)")  # type: ignore[arg-type]
        print(f"conftest tally: {conftest['summary']}")
        print(f"wall time (process, median of {args.runs}): {median:.2f} s "
              f"= {files / median:.0f} files/s")
        in_scan = timings.get("conftest", 0) + timings.get("conftest_parse", 0)
        print(f"parse + evaluate inside the scan: {in_scan:.2f} s = "
              f"{files / max(in_scan, 1e-9):.0f} files/s (parse {timings['conftest_parse']} s)")
        if args.oracle:
            oracle = _oracle(args.corpus, policy_dir)
            verdict = "equal" if oracle == conftest["summary"] else "DIFFERENT"
            print(f"OPA replay of conftest's queries: {oracle} -> {verdict}")
            return 0 if oracle == conftest["summary"] else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
