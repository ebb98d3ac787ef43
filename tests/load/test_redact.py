from __future__ import annotations

import json

import pytest

from engine.load.redact import (
    is_secret_env_name,
    is_secret_key,
    redact_expression_text,
    redact_terraform_config,
    redact_unknown_texts,
)

R = {"$redacted": True}


@pytest.mark.parametrize("key", ["password", "master_password", "admin_password", "token",
                                 "client_secret", "access_key", "secret_key", "private_key",
                                 "connection_string", "sas_token", "api_key",
                                 # the secret word, then what still is the secret itself
                                 "secret_string", "secret_binary", "password_data",
                                 "private_key_pem", "password_wo", "secret_string_wo",
                                 "DB_PASSWORD", "API_TOKEN"])
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["password_length", "kms_key_id", "secret_arn", "key_name",
                                 "token_ttl", "manage_master_user_password_rotation",
                                 "bucket", "tags", "keyspace", "secret_id", "secret_name",
                                 "password_reset_required", "secret_string_wo_version",
                                 "password_policy", "key", "value", "STRIPE_KEY"])
def test_not_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize("name", ["STRIPE_KEY", "DB_PASSWORD", "API_TOKEN", "DB_PASSWD",
                                  "GITHUB_CREDENTIALS", "AWS_SECRET_ACCESS_KEY", "SMTP_PASS",
                                  "APIKEY", "githubToken", "stripe-key"])
def test_secret_env_names(name: str) -> None:
    assert is_secret_env_name(name)


@pytest.mark.parametrize("name", ["STAGE", "LOG_LEVEL", "KMS_KEY_ID", "SECRET_ARN",
                                  "DB_SECRET_NAME", "TOKEN_URL", "PUBLIC_KEY",
                                  "STRIPE_PUBLISHABLE_KEY", "KEY_FILE", "PWD", "MONKEY"])
def test_not_secret_env_names(name: str) -> None:
    assert not is_secret_env_name(name)


def test_terraform_redaction_is_recursive_and_keeps_flags() -> None:
    config = {"password": "x1", "nested": [{"admin_password": "x2", "enabled": True}],
              "token": None, "bucket": "b"}
    assert redact_terraform_config("aws_db_instance", config) == {
        "password": {"$redacted": True},
        "nested": [{"admin_password": {"$redacted": True}, "enabled": True}],
        "token": None, "bucket": "b"}


def test_an_unknown_secret_is_redacted_whole_never_its_text() -> None:
    config = {"password": {"$unknown": 'upper("x")'},
              "credentials": [{"$unknown": "var.c"}, {"$redacted": True}]}
    assert redact_terraform_config("aws_db_instance", config) == {
        "password": R, "credentials": [R, R]}


@pytest.mark.parametrize(("type_", "config", "expected"), [
    ("aws_ssm_parameter", {"name": "/p", "type": "String", "value": "v"},
     {"name": "/p", "type": "String", "value": R}),
    ("aws_ssm_parameter", {"type": "String", "insecure_value": "v"},
     {"type": "String", "insecure_value": R}),
    ("aws_secretsmanager_secret_version", {"secret_id": "s", "secret_string": "v",
                                           "secret_binary": {"$unknown": "filebase64(x)"}},
     {"secret_id": "s", "secret_string": R, "secret_binary": R}),
    ("kubernetes_secret", {"type": "Opaque", "data": {"a": "1", "b": None},
                           "binary_data": {"c": "2"}},
     {"type": "Opaque", "data": {"a": R, "b": None}, "binary_data": {"c": R}}),
    ("kubernetes_secret_v1", {"data": {"$unknown": "var.d"}}, {"data": R}),
    ("azurerm_key_vault_secret", {"name": "n", "value": "v"}, {"name": "n", "value": R}),
    ("aws_lambda_function", {"environment": [{"variables": {"STRIPE_KEY": "k", "STAGE": "p"}}]},
     {"environment": [{"variables": {"STRIPE_KEY": R, "STAGE": "p"}}]}),
    ("azurerm_windows_function_app", {"app_settings": {"DB_PASSWORD": "p", "RUNTIME": "dotnet"}},
     {"app_settings": {"DB_PASSWORD": R, "RUNTIME": "dotnet"}}),
    ("kubernetes_deployment", {"env": [{"name": "API_TOKEN", "value": "t"},
                                       {"name": "MODE", "value": "m"}]},
     {"env": [{"name": "API_TOKEN", "value": R}, {"name": "MODE", "value": "m"}]}),
    ("docker_container", {"env": ["DB_PASSWORD=p", "MODE=m"]},
     {"env": ["DB_PASSWORD=<redacted>", "MODE=m"]}),
    ("helm_release", {"set_sensitive": [{"name": "db.host", "value": "h"}]},
     {"set_sensitive": [{"name": "db.host", "value": R}]}),
    # The same attribute names on other types are left alone.
    ("aws_ssm_document", {"name": "n", "value": "v"}, {"name": "n", "value": "v"}),
    ("aws_dynamodb_table", {"data": {"a": "1"}}, {"data": {"a": "1"}}),
])
def test_type_rules(type_: str, config: dict[str, object], expected: dict[str, object]) -> None:
    assert redact_terraform_config(type_, config) == expected


def test_container_definitions_json_is_redacted_by_environment_name() -> None:
    definitions = json.dumps([{"name": "app", "environment": [
        {"name": "DB_PASSWORD", "value": "p"}, {"name": "MODE", "value": "m"}],
        "secrets": [{"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:x"}]}])
    config = redact_terraform_config("aws_ecs_task_definition",
                                     {"container_definitions": definitions})
    assert config == {"container_definitions": (
        '[{"name":"app","environment":[{"name":"DB_PASSWORD","value":{"$redacted":true}},'
        '{"name":"MODE","value":"m"}],"secrets":[{"name":"API_TOKEN",'
        '"valueFrom":"arn:aws:ssm:x"}]}]')}
    unchanged = '[{"name": "app", "environment": [{"name": "MODE", "value": "m"}]}]'
    assert redact_terraform_config("aws_ecs_task_definition", {
        "container_definitions": unchanged}) == {"container_definitions": unchanged}


@pytest.mark.parametrize(("text", "expected"), [
    ('templatefile("p.tpl", {bucket = "b", api_token = "TplTokenSECRET9"})',
     'templatefile("p.tpl", {bucket = "b", api_token = "<redacted>"})'),
    ('f({"client_secret" = "s", other = "keep"})', 'f({"client_secret" = "<redacted>", '
                                                   'other = "keep"})'),
    ('f({password: "s"})', 'f({password: "<redacted>"})'),
    ('f({password = upper("s")}, "keep")', 'f({password = upper("<redacted>")}, "keep")'),
    ('f({password = x ? "a" : "b", next = "keep"})',
     'f({password = x ? "<redacted>" : "<redacted>", next = "keep"})'),
    ('f({db = {password = "s", host = "h"}, user = "keep"})',
     'f({db = {password = "<redacted>", host = "h"}, user = "keep"})'),
    ('f({credentials = {user = "u", pass = "p"}})',
     'f({credentials = {user = "<redacted>", pass = "<redacted>"}})'),
    ('f({\n  password = "s"\n  user = "keep"\n})',
     'f({\n  password = "<redacted>"\n  user = "keep"\n})'),
    ('f({pin_password = 1234, n = 5})', 'f({pin_password = "<redacted>", n = 5})'),
    ('f({password = "a\\"b${x}c"}, "next")', 'f({password = "<redacted>"}, "next")'),
    ('f({token = <<EOT\nsecret\nEOT\n, z = "keep"})', 'f({token = "<redacted>"\n, z = "keep"})'),
    ('"pre-${merge(var.x, {secret = "s"})}"', '"pre-${merge(var.x, {secret = "<redacted>"})}"'),
    ('f([{name = "DB_PASSWORD", value = "s"}, {name = "MODE", value = "m"}])',
     'f([{name = "DB_PASSWORD", value = "<redacted>"}, {name = "MODE", value = "m"}])'),
    ('f({STRIPE_KEY = "s", key = "keep"})', 'f({STRIPE_KEY = "<redacted>", key = "keep"})'),
    ("[for z in v : {'password': 's', 'n': '${z}'}]",  # hcl2's repr() of an object
     "[for z in v : {'password': \"<redacted>\", 'n': '${z}'}]"),
    ('{for k, v in m : k => {token = "s"}}', '{for k, v in m : k => {token = "<redacted>"}}'),
    ('"{"name": "DB_PASSWORD", "value": "s", "password": "p", "user": "keep"}"',  # heredoc
     '"{"name": "DB_PASSWORD", "value": "<redacted>", "password": "<redacted>", '
     '"user": "keep"}"'),
    ('"{\\"password\\": \\"s\\", \\"a\\": \\"${x.id}\\"}"',
     '"{\\"password\\": \\"<redacted>\\", \\"a\\": \\"${x.id}\\"}"'),
    # Nothing secret: unchanged.
    ('var.environment == "prod" ? 35 : 7', 'var.environment == "prod" ? 35 : 7'),
    ('merge(local.common_tags, {Name = "audit"})', 'merge(local.common_tags, {Name = "audit"})'),
    ('lookup(var.m, "password")', 'lookup(var.m, "password")'),
    ("aws_secretsmanager_secret_version.db.secret_string",
     "aws_secretsmanager_secret_version.db.secret_string"),
])
def test_expression_text_redaction(text: str, expected: str) -> None:
    assert redact_expression_text(text) == expected


def test_expression_text_redacts_copies_of_sensitive_values() -> None:
    text = 'format("%s-%s", "hunter22", "keep") # hunter22 and "x"'
    assert redact_expression_text(text, {"hunter22", "x", ""}) == (
        'format("%s-%s", "<redacted>", "keep") # <redacted> and "<redacted>"')


@pytest.mark.parametrize("text", ['"unterminated {password = ', "{{{[(", "}}])", '"${', "<<EOT\n",
                                  "'", '"\\', "{password = ", "{password"])
def test_expression_text_redaction_never_raises(text: str) -> None:
    assert isinstance(redact_expression_text(text, {"s3cr3t"}), str)


def test_unknown_texts_are_redacted_at_any_depth() -> None:
    value = {"a": [{"$unknown": 'f({token = "t"})'}], "b": {"$unknown": "var.x"}, "c": "keep"}
    assert redact_unknown_texts(value) == {
        "a": [{"$unknown": 'f({token = "<redacted>"})'}], "b": {"$unknown": "var.x"},
        "c": "keep"}
