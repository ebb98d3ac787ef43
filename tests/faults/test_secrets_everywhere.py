"""No secret value in any output: every report format, stderr, the result cache, conftest.

The fixture holds one distinctive value per secret-bearing place the loaders read; the test
scans it with every registered report format (iterating REPORTERS, so a format added later
is covered without touching this file), with Checkov, and in conftest mode with a policy that
prints its whole ``input``, then searches all bytes written — and their base64 — for them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.report import REPORTERS
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

SECRETS = {
    "k8s Secret data": "KeySecretBase64Val",
    "k8s Secret stringData": "k8sStringDataSecretVal",
    "k8s env DB_PASSWORD": "k8sEnvPasswordVal",
    "Helm values password": "helmValuesPasswordVal",
    "Helm values token": "helmValuesTokenVal",
    "Helm --set-like failing value": "helmFailSecretVal",
    "Terraform literal password": "tfLiteralPasswordVal",
    "Terraform sensitive default": "tfSensitiveDefaultVal",
    "plan sensitive attribute": "planSensitivePasswordVal",
    "plan sensitive custom attribute": "planSensitiveNoteVal",
    "plan sensitive tag": "planSensitiveTagVal",
    "plan sensitive variable": "planVariableSecretVal",
    "plan sensitive output": "planOutputSecretVal",
    "Argo helm.values string": "argoValuesStringTokenVal",
    "Argo helm.valuesObject": "argoValuesObjectPasswordVal",
    "Argo helm.parameters": "argoParameterSecretVal",
    "Flux HelmRelease values": "fluxValuesTokenVal",
    "broken YAML line": "yamlBrokenSecretVal",
    "broken HCL line": "hclBrokenSecretVal",
    "ConfigMap credential key": "configMapTokenVal",
    "JSON in a ConfigMap": "configMapJsonPasswordVal",
    "container args flag": "containerArgPasswordVal",
    "container args after a flag": "containerNextArgTokenVal",
    ".tfvars value of a sensitive variable": "tfvarsSensitiveConnVal",
    "user_data export": "userDataExportVal",
    "unknown YAML tag": "yamlTagSecretVal",
}
B64_DATA = base64.b64encode(SECRETS["k8s Secret data"].encode()).decode()

FILES = {
    "k8s/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: app\ndata:\n"
        f"  password: {B64_DATA}\nstringData:\n  token: {SECRETS['k8s Secret stringData']}\n"),
    "k8s/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: app\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: api\n"
        "          image: nginx:1.25\n          env:\n            - name: DB_PASSWORD\n"
        f"              value: {SECRETS['k8s env DB_PASSWORD']}\n"
        "            - name: LOG_LEVEL\n              value: info\n"
        f"          args: [\"--password={SECRETS['container args flag']}\", \"--db-token\",\n"
        f"                 \"{SECRETS['container args after a flag']}\"]\n"),
    "k8s/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: app\ndata:\n"
        f"  GITHUB_TOKEN: {SECRETS['ConfigMap credential key']}\n"
        f"  config.json: '{{\"password\": \"{SECRETS['JSON in a ConfigMap']}\"}}'\n"
        "  LOG_LEVEL: info\n"),
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": (f"dbPassword: {SECRETS['Helm values password']}\n"
                          f"apiToken: {SECRETS['Helm values token']}\n"),
    "chart/templates/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-db\nstringData:\n"
        "  password: {{ .Values.dbPassword }}\ndata:\n  token: {{ .Values.apiToken | b64enc }}\n"),
    "chart/templates/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n"
        "          env:\n            - name: API_TOKEN\n"
        "              value: {{ .Values.apiToken | quote }}\n"),
    # Helm's error text quotes whatever a template passes to fail.
    "failing/Chart.yaml": "apiVersion: v2\nname: failing\nversion: 0.1.0\n",
    "failing/values.yaml": f"adminPassword: {SECRETS['Helm --set-like failing value']}\n",
    "failing/templates/a.yaml": '{{ fail (printf "refusing %s" .Values.adminPassword) }}\n',
    "infra/main.tf": (
        'variable "db_pass" {\n  type      = string\n  sensitive = true\n'
        f'  default   = "{SECRETS["Terraform sensitive default"]}"\n}}\n\n'
        'resource "aws_db_instance" "db" {\n  identifier        = "db"\n'
        '  engine            = "postgres"\n  instance_class    = "db.t3.micro"\n'
        f'  password          = "{SECRETS["Terraform literal password"]}"\n'
        '  storage_encrypted = false\n}\n\n'
        'resource "aws_db_instance" "db2" {\n  identifier = "db2"\n'
        '  password   = var.db_pass\n}\n\n'
        'variable "conn" {\n  type      = string\n  sensitive = true\n}\n\n'
        'resource "aws_instance" "web" {\n  ami       = "ami-12345678"\n'
        f'  user_data = "export DB_PASSWORD={SECRETS["user_data export"]}"\n}}\n'),
    "infra/terraform.tfvars": (
        f'conn = "{SECRETS[".tfvars value of a sensitive variable"]}"\n'),
    "infra/broken.tf": (
        'resource "aws_db_instance" "broken" {\n'
        f'  password = "{SECRETS["broken HCL line"]}" "extra"\n}}\n'),
    "plan/plan.json": (
        '{"format_version":"1.2","terraform_version":"1.7.0",\n'
        f' "variables":{{"db_pass":{{"value":"{SECRETS["plan sensitive variable"]}"}}}},\n'
        ' "planned_values":{"outputs":{"conn":{"sensitive":true,'
        f'"value":"{SECRETS["plan sensitive output"]}"}}}},"root_module":{{"resources":[\n'
        '  {"address":"aws_db_instance.p","mode":"managed","type":"aws_db_instance","name":"p",'
        '"provider_name":"registry.terraform.io/hashicorp/aws","values":{"identifier":"p",'
        '"engine":"postgres","storage_encrypted":false,'
        f'"password":"{SECRETS["plan sensitive attribute"]}",'
        f'"custom_note":"{SECRETS["plan sensitive custom attribute"]}",'
        f'"tags":{{"owner":"{SECRETS["plan sensitive tag"]}"}}}},'
        '"sensitive_values":{"password":true,"custom_note":true,"tags":{"owner":true}}}]}},\n'
        ' "resource_changes":[{"address":"aws_db_instance.p","mode":"managed",'
        '"type":"aws_db_instance","name":"p","change":{"actions":["create"],"before":null,'
        f'"after":{{"password":"{SECRETS["plan sensitive attribute"]}",'
        f'"custom_note":"{SECRETS["plan sensitive custom attribute"]}"}},'
        '"after_unknown":{},"after_sensitive":{"password":true,"custom_note":true}}}],\n'
        ' "configuration":{"root_module":{"variables":{"db_pass":{"sensitive":true}}}}}\n'),
    # GitOps descriptors rendering the chart with inline values: the chart must still get
    # the real values (b64enc of a redacted map would fail to render).
    "deploy/argo.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-argo\n"
        "  namespace: argocd\nspec:\n  source:\n    repoURL: https://git.example.com/r.git\n"
        "    path: chart\n    helm:\n      values: |\n"
        f"        apiToken: {SECRETS['Argo helm.values string']}\n"
        "      valuesObject:\n"
        f"        dbPassword: {SECRETS['Argo helm.valuesObject']}\n"
        "      parameters:\n        - name: auth.clientSecret\n"
        f"          value: {SECRETS['Argo helm.parameters']}\n"
        "  destination:\n    namespace: argo-ns\n"),
    "deploy/flux.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
        "  name: app-flux\n  namespace: flux-ns\nspec:\n  chart:\n    spec:\n"
        "      chart: ./chart\n      sourceRef:\n        kind: GitRepository\n        name: r\n"
        f"  values:\n    apiToken: {SECRETS['Flux HelmRelease values']}\n"),
    "broken/bad.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n"
        f"  password: {SECRETS['broken YAML line']}: [unclosed\n"),
    "broken/tag.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tagged\ndata:\n"
        f"  password: !{SECRETS['unknown YAML tag']} x\n"),
    # A conftest policy that prints its whole input: what a careless one would do.
    "conftest/dump.rego": ('package main\n\nimport rego.v1\n\n'
                           'deny contains msg if {\n  msg := sprintf("input is %v", [input])\n}\n'),
}


def _leaks(blob: bytes) -> list[str]:
    found = []
    for what, value in SECRETS.items():
        encoded = base64.b64encode(value.encode())
        for needle in (value.encode(), encoded, encoded.rstrip(b"=")):
            if needle in blob:
                found.append(f"{what} ({needle.decode()})")
    return found


def _scan_every_format(repo: Path, folder: Path, *extra: str) -> tuple[int, bytes, str]:
    folder.mkdir()
    outputs = [a for name in sorted(REPORTERS) for a in ("-o", f"{name}={folder / name}")]
    run = run_cli("scan", str(repo), *outputs, "-o", "json", *extra)
    written = b"".join((folder / name).read_bytes() for name in sorted(REPORTERS))
    return run.code, written + run.out.encode() + run.err.encode(), run.out


def test_no_secret_value_reaches_any_output_stderr_or_the_cache(
        repo_factory: Callable[..., Path], tmp_path: Path, private_result_cache: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    import json

    repo = repo_factory(files=FILES)
    assert len(REPORTERS) >= 2

    code, blob, out = _scan_every_format(repo, tmp_path / "full")
    document = json.loads(out)
    assert code == 3, document["errors"]
    # The scan saw every secret-bearing place (so the absence below means something).
    errors = {(e["code"], e["file"]) for e in document["errors"]}
    assert {("parse-error", "broken/bad.yaml"), ("parse-error", "infra/broken.tf"),
            ("parse-error", "broken/tag.yaml")} <= errors
    render = [e for e in document["errors"] if e["code"] == "render-error"]
    assert [e["message"] for e in render] == [
        "chart failing (values set defaults): Helm could not render it: execution error at "
        "(failing/templates/a.yaml:1:3): refusing <redacted>"]
    resources = {f["resource"] for f in document["findings"]}
    assert {"Secret/app/db", "aws_db_instance.db", "aws_db_instance.p",
            "aws_instance.web"} <= resources
    assert any(f["engine"] == "checkov" for f in document["findings"])
    assert any(f["unit"].startswith("chart") for f in document["findings"])
    # Both descriptors' values sets rendered (with the real values), their Secrets were seen.
    assert {"Secret/argo-ns/app-db", "Secret/flux-ns/app-db"} <= resources

    conftest_code, conftest_blob, conftest_out = _scan_every_format(
        repo, tmp_path / "conftest", "--conftest-policies", str(repo / "conftest"))
    assert conftest_code in (1, 3)
    messages = [f["message"] for f in json.loads(conftest_out)["findings"]]
    dumped = {m.split("input is ", 1)[1][:40] for m in messages}
    assert len(messages) >= 8 and dumped  # every parsed file was handed to the policy
    assert any('"$redacted": true' in m for m in messages)

    cache = b"".join(p.read_bytes() for p in sorted(private_result_cache.rglob("*.json")))
    assert cache  # the scan cached its loads and results
    streams = capfd.readouterr()
    everything = {"outputs": blob, "conftest outputs": conftest_blob, "cache": cache,
                  "captured stdout/stderr": (streams.out + streams.err).encode()}
    assert {where: _leaks(data) for where, data in everything.items()} == {
        where: [] for where in everything}
