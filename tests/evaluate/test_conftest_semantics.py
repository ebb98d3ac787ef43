"""conftest's documented semantics, case by case, with the real regorus engine.

Each case writes its own policies and inputs, runs them the way ``scan`` does, and asserts
the tally ``conftest test`` prints for them (N tests, P passed, W warnings, F failures,
E exceptions) plus which rule fired on which document, file and line. How conftest counts
(conftest's policy/engine.go): per file, document and namespace, every rule named
``deny``/``violation``/``warn`` (``_<name>`` suffixes allowed) is queried; each item of a
non-empty set is a failure or warning, an empty set one success; an ``exception`` naming
the rule turns all of the rule's results into one exception per matching entry; finally
successes are topped up to the number of rule *definitions*.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.evaluate.rego.errors import PolicyLoadError
from engine.load.documents import load_file
from engine.model import Severity, Status
from tests.evaluate.conftest_cases import Tally, by_id, evaluate, found, load, tally

RULE_KINDS = """package main

deny contains "plain deny" if input.kind == "A"

violation contains {"msg": "structured violation", "code": 7} if input.kind == "A"

deny_missing_owner contains msg if {
\tnot input.owner
\tmsg := "owner is missing"
}

violation_bad_port contains {"msg": sprintf("port %d is privileged", [p])} if {
\tsome p in input.ports
\tp < 1024
}

warn contains "kind A is deprecated" if input.kind == "A"

warn_latest contains "image tag latest" if input.tag == "latest"

deny_twice contains "first body" if input.kind == "A"

deny_twice contains "second body" if input.kind == "Z"

# Not conftest rules: these names do not match deny/violation/warn(_<name>)*.
denylist := ["x"]

warning_text := "not a warn rule"
"""

RULE_INPUTS = {
    "a.yaml": "kind: A\nports: [22, 80, 8080]\ntag: latest\n",
    "b.json": '{"kind": "B", "owner": "team", "ports": [8443], "tag": "1.0"}\n',
}


def test_each_rule_kind_fails_or_warns_and_is_counted_like_conftest(tmp_path: Path) -> None:
    outcome = evaluate(tmp_path, load(tmp_path, {"rules.rego": RULE_KINDS}), RULE_INPUTS)
    # a.yaml: 6 failures (deny, violation, deny_missing_owner, 2x violation_bad_port,
    # deny_twice) + 2 warnings = 8 results for 8 definitions; b.json: nothing fires, 7 empty
    # sets topped up to the 8 definitions (deny_twice has two).
    assert tally(outcome) == Tally(tests=16, passed=8, warnings=2, failures=6, exceptions=0)
    assert found(outcome) == {
        ("main.deny", "a.yaml", "a.yaml", 1, True),
        ("main.violation", "a.yaml", "a.yaml", 1, True),
        ("main.deny_missing_owner", "a.yaml", "a.yaml", 1, True),
        ("main.violation_bad_port", "a.yaml", "a.yaml", 1, True),
        ("main.deny_twice", "a.yaml", "a.yaml", 1, True),
        ("main.warn", "a.yaml", "a.yaml", 1, False),
        ("main.warn_latest", "a.yaml", "a.yaml", 1, False),
    }
    ports = sorted(f.message for f in by_id(outcome, "main.violation_bad_port"))
    assert ports == ["port 22 is privileged", "port 80 is privileged"]
    assert outcome.errors == ()


def test_structured_messages_keep_their_metadata_and_location(tmp_path: Path) -> None:
    policy = """package main

deny contains {"msg": "bucket is public", "_loc": {"file": "s.yaml", "line": 3},
\t"runbook": "https://wiki/buckets", "tags": ["storage"]} if input.public
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}),
                       {"s.yaml": "name: b\n# comment\npublic: true\n"})
    (finding,) = outcome.findings
    assert finding.message == "bucket is public"
    assert finding.line == 3  # conftest ≥ 0.64 reads the location from _loc
    assert json.loads(finding.details) == {"runbook": "https://wiki/buckets",
                                           "tags": ["storage"]}
    structured = evaluate(tmp_path, load(tmp_path, {"rules.rego": RULE_KINDS}), RULE_INPUTS)
    (violation,) = by_id(structured, "main.violation")
    assert json.loads(violation.details) == {"code": 7}


def test_a_message_conftest_cannot_read_is_a_policy_error_not_a_pass(tmp_path: Path) -> None:
    policy = """package main

deny contains {"message": "no msg key"} if input.x

deny_number contains 42 if input.x
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}), {"x.yaml": "x: true\n"})
    problems = sorted((e.code, e.message.split(";")[0]) for e in outcome.errors)
    assert problems == [("policy-error", "rule main.deny returned an object without a string "
                                         "msg"),
                        ("policy-error", "rule main.deny_number returned a int")]
    assert {e.file for e in outcome.errors} == {"policy/p.rego"}


EXCEPTIONS = """package main

deny_run_as_root contains msg if {
\tinput.kind == "Deployment"
\tnot input.spec.runAsNonRoot
\tmsg := sprintf("%s runs as root", [input.metadata.name])
}

violation_run_as_root contains {"msg": "root user"} if {
\tinput.kind == "Deployment"
\tnot input.spec.runAsNonRoot
}

warn_no_limits contains "no resource limits" if {
\tinput.kind == "Deployment"
\tnot input.spec.limits
}

deny_privileged contains "privileged" if input.spec.privileged

exception contains rules if {
\tinput.metadata.name == "legacy-agent"
\trules := ["run_as_root", "no_limits"]
}

exception contains rules if {
\tinput.metadata.labels.trusted == "yes"
\trules := ["privileged"]
}
"""

DEPLOYMENTS = """kind: Deployment
metadata: {name: legacy-agent}
spec: {}
---
kind: Deployment
metadata: {name: web, labels: {trusted: "yes"}}
spec: {runAsNonRoot: true, limits: {cpu: 1}, privileged: true}
---
kind: Deployment
metadata: {name: db}
spec: {privileged: true}
---
kind: Deployment
metadata: {name: legacy-agent}
spec: {runAsNonRoot: true, limits: {cpu: 1}}
"""


def test_exceptions_waive_named_rules_and_are_reported_not_dropped(tmp_path: Path) -> None:
    outcome = evaluate(tmp_path, load(tmp_path, {"k8s.rego": EXCEPTIONS}),
                       {"deploy.yaml": DEPLOYMENTS})
    # legacy-agent: "run_as_root" waives deny_ AND violation_run_as_root, "no_limits" the
    # warn_ rule: 3 exceptions + 1 success. web: deny_privileged waived (1) + 3 successes.
    # db: 3 failures + 1 warning. The second legacy-agent fires nothing, yet its exception
    # still counts 3 times: conftest tallies exceptions so that they stay visible.
    assert tally(outcome) == Tally(tests=16, passed=5, warnings=1, failures=3, exceptions=7)
    assert found(outcome, Status.WAIVED) == {
        ("main.deny_run_as_root", "Deployment/default/legacy-agent", "deploy.yaml", 1, True),
        ("main.violation_run_as_root", "Deployment/default/legacy-agent", "deploy.yaml", 1,
         True),
        ("main.warn_no_limits", "Deployment/default/legacy-agent", "deploy.yaml", 1, False),
        ("main.deny_privileged", "Deployment/default/web", "deploy.yaml", 5, True),
    }
    assert found(outcome) == {
        ("main.deny_run_as_root", "Deployment/default/db", "deploy.yaml", 9, True),
        ("main.violation_run_as_root", "Deployment/default/db", "deploy.yaml", 9, True),
        ("main.warn_no_limits", "Deployment/default/db", "deploy.yaml", 9, False),
        ("main.deny_privileged", "Deployment/default/db", "deploy.yaml", 9, True),
    }
    applied = {(e.policy_id, e.name, e.line, e.matches, e.waived, e.source)
               for e in outcome.exceptions}
    assert applied == {
        ("main.deny_run_as_root", "run_as_root", 1, 1, 1, "policy/k8s.rego"),
        ("main.violation_run_as_root", "run_as_root", 1, 1, 1, "policy/k8s.rego"),
        ("main.warn_no_limits", "no_limits", 1, 1, 1, "policy/k8s.rego"),
        ("main.deny_privileged", "privileged", 5, 1, 1, "policy/k8s.rego"),
        ("main.deny_run_as_root", "run_as_root", 13, 1, 0, "policy/k8s.rego"),
        ("main.violation_run_as_root", "run_as_root", 13, 1, 0, "policy/k8s.rego"),
        ("main.warn_no_limits", "no_limits", 13, 1, 0, "policy/k8s.rego"),
    }


NAMESPACED = {
    "main.rego": 'package main\n\ndeny contains "main says no" if input.kind == "X"\n',
    "security.rego": ('package kubernetes.security\n\n'
                      'deny contains "security says no" if input.kind == "X"\n\n'
                      'warn contains "security warns" if input.kind == "X"\n'),
    "lib.rego": 'package lib.util\n\nis_x if input.kind == "X"\n',
}


@pytest.mark.parametrize(("namespaces", "all_namespaces", "expected", "ids"), [
    (("main",), False, Tally(1, 0, 0, 1, 0), {"main.deny"}),
    (("kubernetes.security",), False, Tally(2, 0, 1, 1, 0),
     {"kubernetes.security.deny", "kubernetes.security.warn"}),
    (("main", "kubernetes.security"), False, Tally(3, 0, 1, 2, 0),
     {"main.deny", "kubernetes.security.deny", "kubernetes.security.warn"}),
    ((), True, Tally(3, 0, 1, 2, 0),
     {"main.deny", "kubernetes.security.deny", "kubernetes.security.warn"}),
    (("main", "nosuch"), False, Tally(1, 0, 0, 1, 0), {"main.deny"}),
])
def test_namespaces_select_packages_like_conftest(
        tmp_path: Path, namespaces: tuple[str, ...], all_namespaces: bool, expected: Tally,
        ids: set[str]) -> None:
    policies = load(tmp_path, NAMESPACED, namespaces=namespaces, all_namespaces=all_namespaces)
    outcome = evaluate(tmp_path, policies, {"x.yaml": "kind: X\n"})
    assert tally(outcome) == expected
    assert {f.policy_id for f in outcome.findings} == ids
    if all_namespaces:  # every package is checked, the library one with nothing to count
        assert sorted(t.namespace for t in outcome.tallies) == [
            "kubernetes.security", "lib.util", "main"]


V0_POLICY = """package main

deny[msg] {
\tinput.kind == "Deployment"
\tnot input.spec.replicas
\tmsg := "replicas must be set"
}

warn[msg] {
\tinput.kind == "Deployment"
\tinput.spec.replicas == 1
\tmsg := sprintf("%s has a single replica", [input.metadata.name])
}

exception[rules] {
\tinput.metadata.name == "singleton"
\trules := ["warn"]
}
"""

V1_POLICY = """package main

deny contains msg if {
\tinput.kind == "Deployment"
\tnot input.spec.replicas
\tmsg := "replicas must be set"
}

warn contains msg if {
\tinput.kind == "Deployment"
\tinput.spec.replicas == 1
\tmsg := sprintf("%s has a single replica", [input.metadata.name])
}

exception contains rules if {
\tinput.metadata.name == "singleton"
\trules := ["warn"]
}
"""

REPLICAS = """kind: Deployment
metadata: {name: api}
spec: {replicas: 1}
---
kind: Deployment
metadata: {name: singleton}
spec: {replicas: 1}
---
kind: Deployment
metadata: {name: worker}
spec: {}
"""


@pytest.mark.parametrize(("version", "text"), [
    ("v0", V0_POLICY), ("v1", V1_POLICY),
    ("v0", V1_POLICY.replace("package main\n", "package main\n\nimport rego.v1\n", 1)),
], ids=["v0", "v1", "v1-syntax-under-v0-with-import-rego.v1"])
def test_rego_v0_and_v1_give_the_same_verdict(tmp_path: Path, version: str, text: str) -> None:
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": text}, rego_version=version),
                       {"d.yaml": REPLICAS})
    # api: warn fires (1 warning) + deny empty; singleton: plain "warn" is waived by an
    # exception naming "warn" (conftest strips no prefix from a bare rule name) + deny
    # empty; worker: deny fires, warn empty.
    assert tally(outcome) == Tally(tests=6, passed=3, warnings=1, failures=1, exceptions=1)
    assert {(f.policy_id, f.resource, f.status) for f in outcome.findings} == {
        ("main.warn", "Deployment/default/api", Status.FAILED),
        ("main.warn", "Deployment/default/singleton", Status.WAIVED),
        ("main.deny", "Deployment/default/worker", Status.FAILED),
    }


def test_old_syntax_without_rego_version_v0_is_a_load_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError) as caught:
        load(tmp_path, {"old.rego": V0_POLICY})
    assert (caught.value.file, caught.value.line) == ("policy/old.rego", 3)
    assert "`if` keyword is required" in caught.value.message


def test_data_files_load_into_data(tmp_path: Path) -> None:
    policy = """package main

deny contains msg if {
\tsome port in input.ports
\tnot port in data.services.allowed_ports
\tmsg := sprintf("port %d is not allowed for %s", [port, data.team.name])
}
"""
    policies = load(tmp_path, {"p.rego": policy}, data={
        "services.yaml": "services:\n  allowed_ports: [80, 443]\n",
        "nested/team.json": '{"team": {"name": "platform"}}\n'})
    outcome = evaluate(tmp_path, policies, {"svc.yaml": "ports: [80, 22, 443]\n"})
    assert [f.message for f in outcome.findings] == ["port 22 is not allowed for platform"]
    assert tally(outcome) == Tally(1, 0, 0, 1, 0)


def test_two_data_files_defining_the_same_value_are_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match=r"data\.team\.name is defined by two"):
        load(tmp_path, {"p.rego": 'package main\n\ndeny contains "x" if false\n'}, data={
            "a.json": '{"team": {"name": "a"}}', "b.yaml": "team: {name: b}\n"})


def test_multi_document_yaml_is_checked_one_document_at_a_time(tmp_path: Path) -> None:
    policy = 'package main\n\ndeny contains "X is forbidden" if input.kind == "X"\n'
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}), {
        "multi.yaml": "kind: X\n---\nkind: Y\n---\n# a comment\nkind: X\n",
        "list.json": '[{"kind": "X"}, {"kind": "Y"}]',
        "trailing.yaml": "kind: Y\n---\n",
    })
    # multi.yaml: 3 documents; list.json: a top-level list is split per element, as
    # conftest does; trailing.yaml: the empty document after "---" is a document too.
    assert tally(outcome) == Tally(tests=7, passed=4, warnings=0, failures=3, exceptions=0)
    assert found(outcome) == {
        ("main.deny", "multi.yaml#0", "multi.yaml", 1, True),
        ("main.deny", "multi.yaml#2", "multi.yaml", 6, True),
        ("main.deny", "list.json#0", "list.json", 1, True),
    }


HCL = """resource "aws_alb_listener" "front" {
  protocol = "HTTP"
  port     = 80
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs-${var.env}"
  versioning {
    enabled = false
  }
  tags = { team = "data", owner = var.owner }
}

resource "aws_s3_bucket" "logs" {
  bucket = "second"
}

variable "env" {}

locals {
  retention = -30
}
"""


def test_hcl2_is_presented_in_hcl2json_shape(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(HCL, encoding="utf-8")
    parsed = load_file(tmp_path, "main.tf")
    assert parsed.errors == ()
    (document,) = parsed.documents
    assert document.value == {
        "resource": {
            "aws_alb_listener": {"front": [{"protocol": "HTTP", "port": 80}]},
            "aws_s3_bucket": {"logs": [
                {"bucket": "logs-${var.env}", "versioning": [{"enabled": False}],
                 "tags": {"team": "data", "owner": "${var.owner}"}},
                {"bucket": "second"},
            ]},
        },
        "variable": {"env": [{}]},
        "locals": [{"retention": -30}],
    }


def test_terraform_policies_written_for_conftest_fire(tmp_path: Path) -> None:
    policy = """package main

deny contains msg if {
\tsome name
\tsome listener in input.resource.aws_alb_listener[name]
\tlistener.protocol == "HTTP"
\tmsg := sprintf("ALB listener %s uses HTTP", [name])
}

deny_versioning contains msg if {
\tsome name
\tsome bucket in input.resource.aws_s3_bucket[name]
\tsome v in bucket.versioning
\tv.enabled == false
\tmsg := sprintf("bucket %s has versioning disabled", [name])
}
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"tf.rego": policy}), {"infra/main.tf": HCL})
    assert sorted(f.message for f in outcome.findings) == [
        "ALB listener front uses HTTP", "bucket logs has versioning disabled"]
    assert {f.resource for f in outcome.findings} == {"infra/main.tf"}
    assert tally(outcome) == Tally(2, 0, 0, 2, 0)


@pytest.mark.parametrize("builtin", ["parse_config", "parse_config_file",
                                     "parse_combined_config_files"])
def test_conftest_custom_builtins_are_refused_by_name(tmp_path: Path, builtin: str) -> None:
    policy = f"""package main

# {builtin}() in a comment is fine, and so is a message naming it
warn contains "do not call {builtin}(x)" if input.x

deny contains "x" if {{
\tcfg := {builtin}("hcl2", "a = 1")
\tcfg.a == 1
}}
"""
    with pytest.raises(PolicyLoadError) as caught:
        load(tmp_path, {"uses_builtin.rego": policy})
    assert (caught.value.file, caught.value.line) == ("policy/uses_builtin.rego", 7)
    assert f"custom built-in {builtin}()" in caught.value.message


def test_any_other_unknown_function_is_a_load_error_naming_it(tmp_path: Path) -> None:
    policy = 'package main\n\ndeny contains "x" if {\n\tnot_a_builtin(input)\n}\n'
    with pytest.raises(PolicyLoadError) as caught:
        load(tmp_path, {"u.rego": policy})
    assert "could not find function not_a_builtin" in caught.value.message
    assert (caught.value.file, caught.value.line) == ("policy/u.rego", 4)


def test_every_file_conftest_parses_reaches_the_policies(tmp_path: Path) -> None:
    policy = """package main

deny_compose contains msg if {
\tsome name, service in input.services
\tservice.privileged
\tmsg := sprintf("compose service %s is privileged", [name])
}

deny_ci contains "CI job runs on a self-hosted runner" if {
\tsome job in input.jobs
\tjob["runs-on"] == "self-hosted"
}

deny_toml contains "TOML: debug is on" if input.server.debug == true

deny_ini contains "INI: port below 1024" if input.server.port < 1024

deny_env contains "dotenv: DEBUG=1" if input.DEBUG == "1"

deny_docker contains msg if {
	some instruction in input
	instruction.Cmd == "from"
	endswith(instruction.Value[0], ":latest")
	msg := sprintf("Dockerfile: stage %d uses a latest tag", [instruction.Stage])
}
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}), {
        "docker-compose.yml": "services:\n  web:\n    image: nginx\n    privileged: true\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  build:\n    runs-on: self-hosted\n",
        "app.toml": "[server]\ndebug = true\nport = 8080\n",
        "app.ini": "global = 1\n[server]\nport = 80\nname = api\n",
        ".env": "# local settings\nexport DEBUG=1\nNAME='api'\n",
        "Dockerfile": "FROM python:3.12 AS build\nFROM alpine:latest\n",
        "pom.xml": "<project/>\n",
        "README.md": "# not configuration\n",
    })
    assert {f.message for f in outcome.findings} == {
        "compose service web is privileged", "CI job runs on a self-hosted runner",
        "TOML: debug is on", "INI: port below 1024", "dotenv: DEBUG=1",
        "Dockerfile: stage 1 uses a latest tag"}
    assert outcome.not_evaluated == (("pom.xml", "xml"),)
    assert outcome.errors == ()


def test_ini_and_dotenv_shapes_follow_conftest(tmp_path: Path) -> None:
    (tmp_path / "a.ini").write_text("top = 1\n[db]\nport = 5432\nssl = true\nhost = h\n"
                                    "Ratio = 0.5\n", encoding="utf-8")
    (tmp_path / "b.env").write_text('A=1\nB="two words"\nC=x # note\n', encoding="utf-8")
    (ini,) = load_file(tmp_path, "a.ini").documents
    assert ini.value == {"db": {"port": 5432.0, "ssl": True, "host": "h", "Ratio": 0.5}}
    (env,) = load_file(tmp_path, "b.env").documents
    assert env.value == {"A": "1", "B": "two words", "C": "x"}


def test_secret_values_are_redacted_before_any_policy_sees_them(tmp_path: Path) -> None:
    policy = """package main

deny contains msg if {
\tsome name, value in input.services.db.environment
\tmsg := sprintf("%s=%v", [name, value])
}
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}), {
        "compose.yaml": ("services:\n  db:\n    environment:\n"
                         "      POSTGRES_PASSWORD: hunter2-Compose\n      TZ: UTC\n")})
    messages = sorted(f.message for f in outcome.findings)
    assert messages == ['POSTGRES_PASSWORD={"$redacted": true}', "TZ=UTC"]


def test_severity_comes_from_metadata_else_the_default(tmp_path: Path) -> None:
    policy = """# METADATA
# title: Storage rules
# custom:
#   severity: medium
package main

# METADATA
# title: Buckets must not be public
# custom:
#   severity: critical
#   remediation: Set public to false.
deny_public contains "public" if input.public

deny_name contains "no name" if not input.name

warn_tags contains "no tags" if not input.tags
"""
    policies = load(tmp_path, {"p.rego": policy})
    outcome = evaluate(tmp_path, policies, {"b.yaml": "public: true\n"})
    severities = {f.policy_id: (f.severity, f.title, f.remediation) for f in outcome.findings}
    assert severities == {
        "main.deny_public": (Severity.CRITICAL, "Buckets must not be public",
                             "Set public to false."),
        "main.deny_name": (Severity.MEDIUM, "Storage rules", ""),
        "main.warn_tags": (Severity.MEDIUM, "Storage rules", ""),
    }
    plain = load(tmp_path / "plain", {"p.rego": RULE_KINDS})
    assert {r.meta.severity for r in plain.rules["main"]} == {Severity.HIGH}


def test_data_conftest_file_names_the_file_being_checked(tmp_path: Path) -> None:
    policy = """package main

deny contains msg if {
\tendswith(data.conftest.file.name, ".yml")
\tmsg := sprintf("%s: use the .yaml extension (in %s)", [data.conftest.file.name,
\t\tbase(data.conftest.file.dir)])
}

base(path) := parts[count(parts) - 1] if parts := split(path, "/")
"""
    outcome = evaluate(tmp_path, load(tmp_path, {"p.rego": policy}),
                       {"apps/a.yml": "a: 1\n", "apps/b.yaml": "b: 1\n"})
    assert [f.message for f in outcome.findings] == ["a.yml: use the .yaml extension (in apps)"]


def test_namespaces_without_any_rule_are_a_load_error_not_zero_tests(tmp_path: Path) -> None:
    # conftest would print "0 tests" and exit 0: a gate must not pass by evaluating nothing.
    with pytest.raises(PolicyLoadError) as caught:
        load(tmp_path, NAMESPACED, namespaces=("kubernetes",))
    assert caught.value.message == (
        "no deny, violation or warn rules in kubernetes (packages found: "
        "kubernetes.security, lib.util, main); choose them with --namespace or "
        "--all-namespaces")


def test_two_items_of_one_rule_on_one_resource_keep_distinct_fingerprints(
        tmp_path: Path) -> None:
    outcome = evaluate(tmp_path, load(tmp_path, {"rules.rego": RULE_KINDS}), RULE_INPUTS)
    ports = by_id(outcome, "main.violation_bad_port")
    assert len({f.fingerprint for f in ports}) == 2
    assert all(f.attribute.startswith("msg:") for f in ports)
