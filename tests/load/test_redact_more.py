"""The redaction rules added for Helm values, Kubernetes env entries, conftest plan inputs
and free text (engine/load/redact.py, redact_documents.py, redact_text.py)."""

from __future__ import annotations

from engine.load.redact import REDACTED, is_secret_key, redact_kubernetes_object
from engine.load.redact_documents import redact_hcl_sensitive, redact_plan_document
from engine.load.redact_text import scrub, secret_strings, set_expression_secrets


def test_camel_case_keys_follow_the_snake_case_rules() -> None:
    for key in ("dbPassword", "apiToken", "clientSecret", "awsSecretAccessKey", "adminPassword"):
        assert is_secret_key(key), key
    for key in ("secretName", "secretKeyRef", "passwordPolicy", "tokenTtl", "image"):
        assert not is_secret_key(key), key


def test_kubernetes_env_entries_with_credential_names_are_redacted_in_any_kind() -> None:
    job = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"},
           "spec": {"jobTemplate": {"spec": {"template": {"spec": {"initContainers": [
               {"name": "c", "env": [{"name": "DB_PASSWORD", "value": "x1"},
                                     {"name": "DB_HOST", "value": "db"},
                                     {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
                                         "name": "s", "key": "k"}}}]}]}}}}}}
    env = redact_kubernetes_object(job)["spec"]["jobTemplate"]["spec"]["template"]["spec"][
        "initContainers"][0]["env"]
    assert env == [{"name": "DB_PASSWORD", "value": REDACTED},
                   {"name": "DB_HOST", "value": "db"},
                   {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]


def test_plan_documents_lose_every_value_terraform_marks_sensitive() -> None:
    plan = {
        "format_version": "1.2",
        "variables": {"pw": {"value": "v-secret"}, "region": {"value": "eu-west-1"}},
        "configuration": {"root_module": {"variables": {"pw": {"sensitive": True}}}},
        "planned_values": {
            "outputs": {"conn": {"sensitive": True, "value": "o-secret"},
                        "name": {"sensitive": False, "value": "db"}},
            "root_module": {"child_modules": [{"resources": [{
                "address": "module.m.x.y", "values": {"a": "s1", "b": "kept", "c": None},
                "sensitive_values": {"a": True, "c": True}}]}]}},
        "resource_changes": [{"change": {"before": {"a": "s2"}, "before_sensitive": {"a": True},
                                         "after": {"l": ["s3", "k"]},
                                         "after_sensitive": {"l": [True, False]}}}],
    }
    out = redact_plan_document(plan)
    assert out["variables"] == {"pw": {"value": REDACTED}, "region": {"value": "eu-west-1"}}
    assert out["planned_values"]["outputs"] == {"conn": {"sensitive": True, "value": REDACTED},
                                                "name": {"sensitive": False, "value": "db"}}
    values = out["planned_values"]["root_module"]["child_modules"][0]["resources"][0]["values"]
    assert values == {"a": REDACTED, "b": "kept", "c": None}
    change = out["resource_changes"][0]["change"]
    assert change["before"] == {"a": REDACTED} and change["after"] == {"l": [REDACTED, "k"]}


def test_hcl_sensitive_variable_defaults_and_outputs() -> None:
    document = {"variable": {"pw": [{"sensitive": True, "default": "d"}],
                             "n": [{"default": "visible"}]},
                "output": {"o": [{"sensitive": True, "value": "${var.pw}"}]}}
    assert redact_hcl_sensitive(document) == {
        "variable": {"pw": [{"sensitive": True, "default": REDACTED}],
                     "n": [{"default": "visible"}]},
        "output": {"o": [{"sensitive": True, "value": REDACTED}]}}


def test_free_text_is_scrubbed_of_secret_values() -> None:
    values = {"db": {"adminPassword": "hunter22", "host": "db.local"},
              "env": [{"name": "API_TOKEN", "value": "tok-123"}], "port": 5432}
    secrets = secret_strings(values) | set_expression_secrets(["a.b.apiKey=k-999,x=1"])
    assert secrets == {"hunter22", "tok-123", "k-999"}
    assert scrub("bad hunter22 at db.local (tok-123, k-999)", secrets) == (
        "bad <redacted> at db.local (<redacted>, <redacted>)")
