"""End to end: ``scan --conftest-policies`` on real git repositories, in-process CLI.

conftest-only runs load neither the built-in library nor Checkov, so these stay fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from engine.resources import schemas_dir
from tests.conftest import run_cli

POLICY = """package main

deny_run_as_root contains msg if {
\tinput.kind == "Deployment"
\tnot input.spec.template.spec.securityContext.runAsNonRoot
\tmsg := sprintf("Deployment %s must not run as root", [input.metadata.name])
}

deny contains {"msg": "Deployments need an app label", "ticket": "PLAT-12"} if {
\tinput.kind == "Deployment"
\tnot input.spec.selector.matchLabels.app
}

warn contains "Services of type NodePort are discouraged" if {
\tinput.kind == "Service"
\tinput.spec.type == "NodePort"
}

exception contains rules if {
\tinput.metadata.name == "node-agent"
\trules := ["run_as_root"]
}
"""

APP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    spec: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: node-agent
spec:
  selector: {}
  template:
    spec: {}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
"""

# Non-compliant for the built-in library (no encryption, no GxP tags): a conftest-only
# scan must not report any of it.
TERRAFORM = """resource "aws_s3_bucket" "data" {
  bucket = "gxp-records"
}
"""


def _repo(repo_factory: Callable[..., Path], extra: dict[str, str] | None = None) -> Path:
    return repo_factory(files={"policy/k8s.rego": POLICY, "config/k8s/app.yaml": APP,
                               "config/infra/main.tf": TERRAFORM, **(extra or {})})


def _validate(document: dict[str, Any]) -> None:
    schema = json.loads((schemas_dir() / "scan-result-v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)


def test_conftest_policies_alone_give_conftests_verdict_and_counts(
        repo_factory: Callable[..., Path]) -> None:
    repo = _repo(repo_factory)
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "-o", "json")
    assert run.code == 1, run.err
    document = run.json()
    _validate(document)
    # 3 documents x 3 rules, + main.tf's 3 empty sets. web: deny_run_as_root fails, 2
    # pass; node-agent: deny fails, deny_run_as_root excepted, warn passes; Service: the
    # warning, 2 pass.
    assert document["conftest"]["summary"] == {"tests": 12, "passed": 8, "warnings": 1,
                                               "failures": 2, "exceptions": 1}
    rows = {(f["policy_id"], f["resource"], f["file"], f["line"], f["status"], f["rule"],
             f["blocks_merge"]) for f in document["findings"]}
    assert rows == {
        ("main.deny_run_as_root", "Deployment/default/web", "config/k8s/app.yaml", 1,
         "failed", "deny", True),
        ("main.deny", "Deployment/default/node-agent", "config/k8s/app.yaml", 12, "failed",
         "deny", True),
        ("main.deny_run_as_root", "Deployment/default/node-agent", "config/k8s/app.yaml", 12,
         "waived", "deny", False),
        ("main.warn", "Service/default/web", "config/k8s/app.yaml", 21, "failed", "warn",
         False),
    }
    assert {f["engine"] for f in document["findings"]} == {"conftest"}
    assert document["summary"]["passed_checks"] == 8  # conftest's successes count as passed
    assert "checkov" not in document["tool"]["versions"]
    (labelled,) = [f for f in document["findings"] if f["policy_id"] == "main.deny"]
    assert labelled["details"] == {"ticket": "PLAT-12"}
    (exception,) = document["conftest"]["exceptions"]
    assert (exception["exception"], exception["source"], exception["waived"]) == (
        "run_as_root", "policy/k8s.rego", 1)


def test_text_report_prints_conftests_summary_line_and_the_waived_findings(
        repo_factory: Callable[..., Path]) -> None:
    repo = _repo(repo_factory)
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"))
    assert run.code == 1
    assert "conftest: 12 tests, 8 passed, 1 warning, 2 failures, 1 exception" in run.out
    assert "WAIVED main.deny_run_as_root: Deployment node-agent must not run as root" in run.out
    assert "main.deny_run_as_root  Deployment/default/web  config/k8s/app.yaml:1" in run.out


def test_with_builtin_adds_the_built_in_library(repo_factory: Callable[..., Path]) -> None:
    repo = _repo(repo_factory)
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "--with-builtin", "--no-checkov", "-o", "json")
    document = run.json()
    engines = {f["engine"] for f in document["findings"]}
    assert engines == {"conftest", "rego"}, run.err
    assert any(f["resource"] == "aws_s3_bucket.data" for f in document["findings"])
    assert document["conftest"]["summary"]["failures"] == 2


def test_config_declared_conftest_policies_join_the_normal_scan(
        repo_factory: Callable[..., Path]) -> None:
    config = ("conftest:\n  policies: [policy]\n  default_severity: medium\n"
              "severity:\n  main.deny: critical\n")
    repo = _repo(repo_factory, {".gitops-compliance.yaml": config})
    run = run_cli("scan", str(repo / "config"), "--no-checkov", "-o", "json")
    document = run.json()
    severities = {(f["policy_id"], f["severity"]) for f in document["findings"]
                  if f["engine"] == "conftest" and f["status"] == "failed"}
    assert severities == {("main.deny_run_as_root", "medium"), ("main.deny", "critical"),
                          ("main.warn", "medium")}
    assert any(f["engine"] == "rego" for f in document["findings"])
    assert run.code == 1


def test_warnings_and_waived_findings_never_block(repo_factory: Callable[..., Path]) -> None:
    policy = ('package main\n\nwarn contains "just a warning" if input.kind\n\n'
              'deny_x contains "waived" if input.kind\n\n'
              'exception contains ["x"] if input.kind\n')
    repo = repo_factory(files={"policy/p.rego": policy, "config/a.yaml": "kind: A\n"})
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "-o", "json")
    assert run.code == 0, run.out
    assert run.json()["conftest"]["summary"] == {"tests": 2, "passed": 0, "warnings": 1,
                                                 "failures": 0, "exceptions": 1}


def test_a_file_that_does_not_parse_makes_the_scan_incomplete(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={"policy/p.rego": 'package main\n\ndeny contains "x" if false\n',
                               "config/ok.yaml": "a: 1\n", "config/bad.yaml": "a: [1\nb: 2\n",
                               "config/bad.tf": 'resource "x" {\n'})
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "-o", "json")
    assert run.code == 3
    errors = {(e["code"], e["file"], e["line"], e["message"].split(":")[0])
              for e in run.json()["errors"]}
    assert errors == {("parse-error", "config/bad.yaml", 2, "invalid YAML"),
                      ("parse-error", "config/bad.tf", 1, "invalid HCL")}
    assert run.json()["conftest"]["summary"]["passed"] == 1  # ok.yaml was still checked


def test_custom_builtins_are_exit_2_naming_the_builtin(repo_factory: Callable[..., Path]) -> None:
    policy = ('package main\n\ndeny contains "x" if {\n'
              '\tparse_config_file("other.tf").resource\n}\n')
    repo = repo_factory(files={"policy/p.rego": policy, "config/a.yaml": "a: 1\n"})
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"))
    assert run.code == 2
    assert "policy/p.rego:4: calls conftest's custom built-in parse_config_file()" in run.err


def test_rego_v0_policies_need_the_flag(repo_factory: Callable[..., Path]) -> None:
    policy = 'package main\n\ndeny[msg] {\n\tinput.kind == "A"\n\tmsg := "no A"\n}\n'
    repo = repo_factory(files={"policy/p.rego": policy, "config/a.yaml": "kind: A\n"})
    args = ("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"))
    refused = run_cli(*args)
    assert refused.code == 2
    assert "p.rego:3: `if` keyword is required before rule body" in refused.err
    accepted = run_cli(*args, "--rego-version", "v0", "-o", "json")
    assert accepted.code == 1
    assert [f["message"] for f in accepted.json()["findings"]] == ["no A"]


def test_namespace_flags_select_packages(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "policy/a.rego": 'package main\n\ndeny contains "main" if input.kind == "X"\n',
        "policy/b.rego": 'package team.rules\n\nwarn contains "team" if input.kind == "X"\n',
        "config/x.yaml": "kind: X\n"})
    base = ("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"), "-o",
            "json")
    only_team = run_cli(*base, "--namespace", "team.rules")
    assert only_team.code == 0
    assert [f["policy_id"] for f in only_team.json()["findings"]] == ["team.rules.warn"]
    every = run_cli(*base, "--all-namespaces")
    assert every.code == 1
    assert sorted(f["policy_id"] for f in every.json()["findings"]) == ["main.deny",
                                                                         "team.rules.warn"]


def test_data_flag_loads_data_documents(repo_factory: Callable[..., Path]) -> None:
    policy = ('package main\n\ndeny contains msg if {\n\tnot input.image in '
              'data.registry.allowed\n\tmsg := sprintf("image %s is not allowed", '
              '[input.image])\n}\n')
    repo = repo_factory(files={"policy/p.rego": policy, "data/registry.yaml":
                               "registry:\n  allowed: [ghcr.io/acme/api]\n",
                               "config/a.yaml": "image: docker.io/evil\n",
                               "config/b.yaml": "image: ghcr.io/acme/api\n"})
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "--data", str(repo / "data"), "-o", "json")
    assert [(f["file"], f["message"]) for f in run.json()["findings"]] == [
        ("config/a.yaml", "image docker.io/evil is not allowed")]


def test_conftest_flags_without_conftest_policies_are_a_usage_error(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={"a.yaml": "a: 1\n"})
    run = run_cli("scan", str(repo), "--namespace", "main", "--rego-version", "v0")
    assert run.code == 2
    assert "--namespace, --rego-version needs conftest-style policies" in run.err


def test_extra_rego_policies_need_with_builtin(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={"policy/p.rego": 'package main\n\ndeny contains "x" if false\n',
                               "a.yaml": "a: 1\n"})
    run = run_cli("scan", str(repo), "--conftest-policies", str(repo / "policy"),
                  "--policies", str(repo / "policy"))
    assert run.code == 2
    assert "--policies has no effect with --conftest-policies alone" in run.err


def test_a_bad_conftest_config_key_is_named(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={".gitops-compliance.yaml": "conftest:\n  namespace: main\n"})
    run = run_cli("scan", str(repo))
    assert run.code == 2
    assert "conftest: unknown key 'namespace'" in run.err


def test_helm_templates_and_unparsed_files_are_listed_not_evaluated(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "policy/p.rego": 'package main\n\ndeny contains "x" if input.never\n',
        "config/chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        "config/chart/templates/deploy.yaml": "kind: {{ .Values.kind }}\n",
        "config/app.cue": "a: 1\n"})
    run = run_cli("scan", str(repo / "config"), "--conftest-policies", str(repo / "policy"),
                  "-o", "json")
    assert run.code == 0, run.out
    skipped = {(s["file"], s["parser"].split(" ")[0])
               for s in run.json()["conftest"]["not_evaluated"]}
    assert skipped == {("config/chart/templates/deploy.yaml", "helm"),
                       ("config/app.cue", "cue")}


def test_secret_values_never_reach_the_output(repo_factory: Callable[..., Path]) -> None:
    policy = ('package main\n\ndeny contains msg if {\n\tsome k, v in input.stringData\n'
              '\tmsg := sprintf("secret %s holds %v", [k, v])\n}\n')
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
              "stringData:\n  password: hunter2-ConftestSecret\n")
    repo = repo_factory(files={"policy/p.rego": policy, "config/secret.yaml": secret})
    for fmt in ("json", "text"):
        run = run_cli("scan", str(repo / "config"), "--conftest-policies",
                      str(repo / "policy"), "-o", fmt)
        assert run.code == 1
        assert "hunter2-ConftestSecret" not in run.out + run.err
        assert "secret password holds" in run.out


def test_a_file_both_loaders_fail_on_is_reported_once(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        ".gitops-compliance.yaml": "conftest:\n  policies: [policy]\n",
        "policy/p.rego": 'package main\n\ndeny contains "x" if input.never\n',
        "k8s/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n"})
    run = run_cli("scan", str(repo / "k8s"), "--no-checkov", "-o", "json")
    assert run.code == 3
    assert [(e["code"], e["file"]) for e in run.json()["errors"]] == [
        ("parse-error", "k8s/bad.yaml")]


def test_config_exclusions_apply_and_are_listed(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        ".gitops-compliance.yaml": ("exclude:\n  - {path: \"legacy/**\", "
                                    "reason: \"decommissioned, CHG-7\"}\n"),
        "policy/p.rego": 'package main\n\ndeny contains "bad" if input.bad\n',
        "legacy/old.yaml": "bad: true\n", "new.yaml": "bad: false\n"})
    run = run_cli("scan", str(repo), "--conftest-policies", str(repo / "policy"), "-o", "json")
    assert run.code == 0, run.out
    document = run.json()
    assert document["scan"]["excluded"] == [{"path": "legacy/old.yaml",
                                             "reason": "decommissioned, CHG-7"}]
    assert [r["file"] for r in document["conftest"]["results"]] == [".gitops-compliance.yaml",
                                                                     "new.yaml"]


COMPOSE_POLICY = """package main

deny contains msg if {
	some name, service in input.services
	service.privileged == true
	msg := sprintf("service %s runs privileged", [name])
}
"""


def test_config_declared_conftest_policies_follow_waivers_and_diff_mode(tmp_path: Path) -> None:
    """Declared in the config, conftest policies join every scan: their findings go through
    the waivers file like any other, and a PR scan (--diff) reports only changed files."""
    from tests.conftest import make_repo

    compose = "services:\n  web:\n    image: nginx\n    privileged: true\n"
    root = tmp_path / "repo"
    repo = make_repo(root, {
        "policy/compose.rego": COMPOSE_POLICY,
        ".gitops-compliance.yaml": "conftest:\n  policies: [policy]\n",
        "old/docker-compose.yml": compose,
        ".gitops-compliance/waivers.yaml": (
            "version: 1\nwaivers:\n  - id: W-100\n    policies: [main.deny]\n"
            "    scope: {paths: [old/**]}\n    reason: legacy host, decommissioned in Q1\n"
            "    owner: platform\n    approver: qa-lead\n    approved_on: 2026-11-01\n"
            "    ticket: CHG-77\n    expires: 2027-01-15\n"),
    })
    full = run_cli("scan", str(root), "--no-checkov", "-o", "json", "--as-of", "2026-11-27")
    assert full.out, full.err
    document = full.json()
    [old] = [f for f in document["findings"] if f["policy_id"] == "main.deny"]
    assert (old["file"], old["status"], old["waiver"]) == (
        "old/docker-compose.yml", "waived", "W-100")
    assert full.code == 0, full.out

    repo.git.checkout("-b", "feature")
    (root / "new").mkdir()
    (root / "new" / "docker-compose.yml").write_text(compose)
    repo.git.add(A=True)
    repo.index.commit("a privileged service")
    pr = run_cli("scan", str(root), "--diff", "main", "--no-checkov", "-o", "json",
                 "--as-of", "2026-11-27")
    document = pr.json()
    assert pr.code == 1, pr.out
    assert [(f["policy_id"], f["file"], f["status"]) for f in document["findings"]
            if f["engine"] == "conftest"] == [("main.deny", "new/docker-compose.yml", "failed")]
