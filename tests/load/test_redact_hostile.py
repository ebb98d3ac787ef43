"""Secret-bearing places a review of the hostile-input work found unredacted (issue 9):
ConfigMap entries, JSON inside them, container arguments, boot scripts, ``.tfvars`` values
of sensitive variables, and tags quoted in YAML errors. Each test loads through the real
loaders (built-in and conftest) and checks what a policy or the cache would receive."""

from __future__ import annotations

import json
from pathlib import Path

from engine.load.documents import load_file
from engine.load.kubernetes import load_text
from engine.load.redact import (
    REDACTED,
    redact_kubernetes_object,
    redact_terraform_config,
)

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: app}
data:
  GITHUB_TOKEN: cmTokenVal
  db.password: cmDottedVal
  LOG_LEVEL: info
  TOKEN_URL: https://auth.example.com/token
  config.json: '{"password": "cmJsonVal", "port": 5432, "nested": {"apiKey": "cmNestedVal"}}'
  settings.yaml: |
    replicas: 2
    clientSecret: cmYamlVal
  app.properties: |
    db.user=app
    db.password=cmPropertiesVal
binaryData:
  private_key: Y21CaW5hcnlWYWw=
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: app}
spec:
  containers:
  - name: c
    image: nginx:1.25
    command: ["sh", "-c", "mysql --password=podShellVal -u root && export API_TOKEN='podExportVal'"]
    args: ["--password=podArgVal", "--db-token", "podNextArgVal", "--port=8080", "--verbose",
           "--token-file", "/var/run/token"]
"""


def _config(text: str) -> dict[str, object]:
    resources, errors = load_text(text, "k8s/x.yaml")
    assert errors == []
    return dict(resources[0].config)


def test_config_map_entries_with_credential_names_or_secret_content_are_redacted() -> None:
    data = _config(CONFIG_MAP)
    assert data["data"] == {
        "GITHUB_TOKEN": REDACTED,
        "db.password": REDACTED,
        "LOG_LEVEL": "info",  # ordinary configuration stays as written
        "TOKEN_URL": "https://auth.example.com/token",  # names where the token is, not it
        "config.json": '{"password":{"$redacted":true},"port":5432,'
                       '"nested":{"apiKey":{"$redacted":true}}}',
        "settings.yaml": "replicas: 2\nclientSecret:\n  $redacted: true\n",
        "app.properties": "db.user=app\ndb.password=<redacted>\n",
    }
    assert data["binaryData"] == {"private_key": REDACTED}


def test_config_map_text_that_is_not_json_or_too_deep_is_handled() -> None:
    deep = "{" + '"a":{' * 200 + "}" * 201
    out = redact_kubernetes_object({"kind": "ConfigMap", "data": {
        "broken.json": "{not json, password=x1y2z3}", "deep.json": deep}})
    # Not JSON: the assignment rule still applies (an unquoted value runs to the next blank:
    # a password may hold "}"); past the nesting limit: replaced whole.
    assert out["data"] == {"broken.json": "{not json, password=<redacted>",
                           "deep.json": "<redacted>"}


def test_container_arguments_with_secret_flags_are_redacted() -> None:
    container = _config(POD)["spec"]["containers"][0]  # type: ignore[index]
    assert container["command"] == [
        "sh", "-c", "mysql --password=<redacted> -u root && export API_TOKEN=<redacted>"]
    assert container["args"] == ["--password=<redacted>", "--db-token", "<redacted>",
                                 "--port=8080", "--verbose", "--token-file", "/var/run/token"]


def test_boot_script_assignments_with_credential_names_are_redacted() -> None:
    from engine.load.redact import redact_assignments_text

    config = redact_terraform_config("aws_instance", {
        "ami": "ami-1", "user_data": "#!/bin/sh\nexport DB_PASSWORD=udVal\nexport REGION=eu\n"})
    assert config["user_data"] == "#!/bin/sh\nexport DB_PASSWORD=<redacted>\nexport REGION=eu\n"
    assert redact_assignments_text('PGPASSWORD="a b" psql; KEY_ID=k1') == \
        "PGPASSWORD=<redacted> psql; KEY_ID=k1"


def test_conftest_inputs_get_the_same_kubernetes_redaction(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(CONFIG_MAP + "---\n" + POD)
    parsed = load_file(tmp_path, "all.yaml")
    assert parsed.errors == ()
    dumped = json.dumps([d.value for d in parsed.documents])
    for value in ("cmTokenVal", "cmDottedVal", "cmJsonVal", "cmNestedVal", "cmYamlVal",
                  "cmPropertiesVal", "Y21CaW5hcnlWYWw", "podShellVal", "podExportVal",
                  "podArgVal", "podNextArgVal"):
        assert value not in dumped, value
    assert "https://auth.example.com/token" in dumped and "/var/run/token" in dumped


def test_tfvars_values_of_sensitive_or_credential_named_variables_are_redacted(
        tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf/main.tf").write_text(
        'variable "conn" {\n  type = string\n  sensitive = true\n}\n'
        'variable "region" {\n  type = string\n}\n')
    (tmp_path / "tf/variables.tf.json").write_text(
        '{"variable": {"license": {"sensitive": true}}}')
    (tmp_path / "tf/terraform.tfvars").write_text(
        'conn = "tfvarsConnVal"\nregion = "eu-west-1"\ndb_pass = "tfvarsPassVal"\n'
        'license = "tfvarsLicenseVal"\n')
    (tmp_path / "tf/prod.auto.tfvars.json").write_text(
        '{"conn": "tfvarsJsonVal", "region": "eu-central-1"}')
    (tmp_path / "other.tfvars").write_text('conn = "notDeclaredHere"\n')
    values = {name: load_file(tmp_path, name).documents[0].value
              for name in ("tf/terraform.tfvars", "tf/prod.auto.tfvars.json", "other.tfvars")}
    assert values == {
        "tf/terraform.tfvars": {"conn": REDACTED, "region": "eu-west-1",
                                "db_pass": REDACTED, "license": REDACTED},
        "tf/prod.auto.tfvars.json": {"conn": REDACTED, "region": "eu-central-1"},
        # `conn` is sensitive in tf/, not in the root folder this file sets.
        "other.tfvars": {"conn": "notDeclaredHere"},
    }


def test_unknown_yaml_tags_are_not_quoted_in_errors(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" \
           "  password: !tagSecretVal x\n"
    (tmp_path / "t.yaml").write_text(text)
    _, errors = load_text(text, "t.yaml")
    conftest = load_file(tmp_path, "t.yaml").errors
    for error in (*errors, *conftest):
        assert (error.code, error.file, error.line) == ("parse-error", "t.yaml", 5)
        assert "tagSecretVal" not in error.message
        assert "unknown tag (a local tag (!...); its text is not shown)" in error.message
