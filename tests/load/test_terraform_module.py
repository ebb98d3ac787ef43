"""load_module on the fixture modules: addresses, lines, resolution, tags, errors, secrets."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.load.terraform import LoadResult, load_module
from engine.model import Resource, ScanError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "terraform"


def _load(module_dir: str, root: Path = FIXTURES) -> LoadResult:
    files = sorted(p.relative_to(root).as_posix() for p in (root / module_dir).iterdir())
    return load_module(root, module_dir, files)


@pytest.fixture(scope="module")
def storage() -> dict[str, Resource]:
    result = _load("storage")
    assert result.errors == ()
    return {r.address: r for r in result.resources}


def test_addresses_files_and_lines(storage: dict[str, Resource]) -> None:
    located = {a: (r.type, r.name, r.file, r.line) for a, r in storage.items()}
    assert located == {
        "aws_s3_bucket.records": ("aws_s3_bucket", "records", "storage/main.tf", 1),
        "aws_s3_bucket_versioning.records":
            ("aws_s3_bucket_versioning", "records", "storage/main.tf", 10),
        "aws_s3_bucket.replica": ("aws_s3_bucket", "replica", "storage/main.tf", 18),
        "aws_s3_bucket.untagged": ("aws_s3_bucket", "untagged", "storage/main.tf", 29),
        "aws_s3_bucket_lifecycle_configuration.records":
            ("aws_s3_bucket_lifecycle_configuration", "records", "storage/main.tf", 33),
        "aws_cloudwatch_log_group.audit":
            ("aws_cloudwatch_log_group", "audit", "storage/main.tf", 45),
        "aws_db_instance.lims": ("aws_db_instance", "lims", "storage/main.tf", 52),
        "data.aws_caller_identity.current":
            ("aws_caller_identity", "current", "storage/main.tf", 65),
        "module.network": ("module", "network", "storage/main.tf", 67),
        "provider.aws": ("provider", "aws", "storage/providers.tf", 1),
        "provider.aws.replica": ("provider", "aws", "storage/providers.tf", 13),
    }
    assert storage["aws_s3_bucket.records"].extra["end_line"] == 8


def test_extra_keys(storage: dict[str, Resource]) -> None:
    modes = {a: (r.kind, r.extra["mode"], r.extra["module"], r.extra["provider"])
             for a, r in storage.items()}
    assert modes["aws_s3_bucket.records"] == ("terraform", "managed", "storage", "aws")
    assert modes["data.aws_caller_identity.current"] == ("terraform", "data", "storage", "aws")
    assert modes["provider.aws.replica"] == ("terraform", "provider", "storage", "aws")
    assert modes["module.network"] == ("terraform", "module", "storage", "")


def test_resources_are_ordered_by_file_then_line() -> None:
    result = _load("storage")
    keys = [(r.file, r.line) for r in result.resources]
    assert keys == sorted(keys)


def test_variables_locals_and_interpolation_resolve(storage: dict[str, Resource]) -> None:
    # terraform.tfvars sets environment; prod.tfvars is not auto-loaded and is ignored.
    assert storage["aws_s3_bucket.records"].config["bucket"] == "gxp-staging-records"
    assert storage["aws_s3_bucket.replica"].config["bucket"] == "gxp-staging-records-replica"
    assert storage["module.network"].config["name"] == "gxp-staging-vpc"
    log_group = storage["aws_cloudwatch_log_group.audit"].config
    assert log_group["name"] == "/gxp/staging/audit"
    # default 30 < terraform.tfvars 90 < a.auto.tfvars 365 < b.auto.tfvars 400
    assert log_group["retention_in_days"] == 400


def test_escapes_are_decoded(storage: dict[str, Resource]) -> None:
    config = storage["aws_db_instance.lims"].config
    assert config["description"] == 'LIMS "primary" database\nowned by qa-platform'
    assert config["escaped"] == "literal ${not_interpolated}"


def test_unresolvable_values_carry_their_expression_text(storage: dict[str, Resource]) -> None:
    assert storage["aws_s3_bucket_versioning.records"].config["bucket"] == {
        "$unknown": "aws_s3_bucket.records.id"}
    log_group = storage["aws_cloudwatch_log_group.audit"].config
    assert log_group["kms_key_id"] == {"$unknown": "var.kms_key_arn"}  # no default, no tfvars
    assert log_group["tags"] == {  # merge() of known maps resolves
        "data-classification": "confidential", "validation-status": "validated", "Name": "audit"}
    lims = storage["aws_db_instance.lims"].config
    assert lims["backup_retention_period"] == {
        "$unknown": 'var.environment == "prod" ? 35 : 7'}
    assert lims["loop"] == {"$unknown": "local.loop_a"}  # local.loop_a <-> local.loop_b


def test_attributes_and_blocks(storage: dict[str, Resource]) -> None:
    versioning = storage["aws_s3_bucket_versioning.records"].config
    assert versioning["versioning_configuration"] == [{"status": "Enabled"}]
    replica = storage["aws_s3_bucket.replica"].config
    assert replica["tags"] == {"data-classification": "confidential",
                               "validation-status": "validated"}
    assert replica["lifecycle"] == [{"prevent_destroy": True, "ignore_changes": ["tags"]}]
    assert storage["aws_db_instance.lims"].config["tags"] == {}  # an empty object attribute


def test_meta_arguments_keep_reference_text(storage: dict[str, Resource]) -> None:
    assert storage["aws_s3_bucket.replica"].config["provider"] == "aws.replica"
    assert storage["module.network"].config["providers"] == {"aws": "aws.replica"}
    assert storage["module.network"].config["source"] == "terraform-aws-modules/vpc/aws"


def test_dynamic_block_over_an_empty_default_produces_no_block(
        storage: dict[str, Resource]) -> None:
    config = storage["aws_s3_bucket_lifecycle_configuration.records"].config
    assert "rule" not in config
    assert "dynamic" not in config


def test_effective_tags_merge_provider_default_tags(storage: dict[str, Resource]) -> None:
    assert storage["aws_s3_bucket.records"].extra["tags"] == {
        "cost-center": "cc-4711",
        "system-owner": "qa-platform",
        "gxp-classification": "gxp-critical",  # the resource's own tag wins
        "Name": "gxp-staging-records",
    }
    assert storage["aws_s3_bucket.replica"].extra["tags"] == {  # the aliased provider
        "cost-center": "cc-replica",
        "data-classification": "confidential",
        "validation-status": "validated",
    }
    assert storage["aws_s3_bucket.untagged"].extra["tags"] == {
        "cost-center": "cc-4711", "system-owner": "qa-platform",
        "gxp-classification": "gxp-supporting"}
    assert storage["aws_cloudwatch_log_group.audit"].extra["tags"] == {
        "cost-center": "cc-4711", "system-owner": "qa-platform",
        "gxp-classification": "gxp-supporting", "data-classification": "confidential",
        "validation-status": "validated", "Name": "audit"}
    assert storage["provider.aws"].extra["tags"] == {}
    assert storage["data.aws_caller_identity.current"].extra["tags"] == {}


def test_tags_without_provider_in_module_are_the_resources_own(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  tags = { owner = "x" }\n}\n'
        'resource "aws_sqs_queue" "q" {}\n')
    result = load_module(tmp_path, "", ["main.tf"])
    tags = {r.address: r.extra["tags"] for r in result.resources}
    assert tags == {"aws_s3_bucket.b": {"owner": "x"}, "aws_sqs_queue.q": {}}


def test_password_is_redacted_everywhere(storage: dict[str, Resource]) -> None:
    lims = storage["aws_db_instance.lims"]
    assert lims.config["password"] == {"$redacted": True}
    dumped = json.dumps([r.to_input() for r in storage.values()])
    assert "correct-horse-battery-staple" not in dumped


def test_sensitive_variable_is_redacted_under_any_attribute_name(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "token" {\n  default = "tok-123"\n}\n'
        'variable "seed" {\n  default   = "seed-456"\n  sensitive = true\n}\n'
        'resource "aws_instance" "vm" {\n'
        '  user_data = "export T=${var.token}"\n'
        '  ami       = var.seed\n'
        '}\n')
    (vm,) = load_module(tmp_path, "", ["main.tf"]).resources
    assert vm.config == {"user_data": {"$redacted": True}, "ami": {"$redacted": True}}


def test_malformed_file_is_an_error_and_siblings_still_load() -> None:
    result = _load("broken")
    assert [r.address for r in result.resources] == ["aws_s3_bucket.fine"]
    errors = {e.file: e for e in result.errors}
    assert set(errors) == {"broken/bad.tf", "broken/quote.tf"}
    bad = errors["broken/bad.tf"]
    assert (bad.code, bad.line) == ("parse-error", 4)
    assert bad.message.startswith("broken/bad.tf: line 4, column 15: unexpected '='; expected")
    assert "a string" in bad.message
    quote = errors["broken/quote.tf"]
    assert (quote.code, quote.line) == ("parse-error", 2)
    assert "unclosed quote" in quote.message
    assert "unterminated" not in quote.message  # source text never echoed


def test_unreadable_and_unsupported_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "latin1.tf").write_bytes(b'# caf\xe9\n')
    (tmp_path / "main.tf.json").write_text("{}")
    result = load_module(tmp_path, "", ["latin1.tf", "main.tf.json", "missing.tf"])
    assert [(e.file, e.code) for e in result.errors] == [
        ("latin1.tf", "binary-file"), ("main.tf.json", "not-supported"),
        ("missing.tf", "parse-error")]


def test_tfvars_json_and_bad_tfvars(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "env" {}\nvariable "n" { default = 1 }\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q-${var.env}"\n  n = var.n\n}\n')
    (tmp_path / "terraform.tfvars.json").write_text('{"env": "p${x}", "n": 2}')
    (tmp_path / "z.auto.tfvars").write_text("n = \n")
    result = load_module(tmp_path, "", ["main.tf", "terraform.tfvars.json", "z.auto.tfvars"])
    (queue,) = result.resources
    assert queue.config == {"name": "q-p${x}", "n": 2}  # JSON strings are never templates
    assert [(e.file, e.line) for e in result.errors] == [("z.auto.tfvars", 1)]


def test_dynamic_block_with_unknown_for_each_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_security_group" "sg" {\n'
        '  ingress {\n    from_port = 443\n  }\n'
        '  dynamic "ingress" {\n    for_each = var.extra\n'
        '    content {\n      from_port = ingress.value\n    }\n  }\n}\n')
    (sg,) = load_module(tmp_path, "", ["main.tf"]).resources
    assert sg.config == {"ingress": {"$unknown": 'dynamic "ingress" (for_each = var.extra)'}}


def test_count_and_for_each_keep_the_base_address(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  count  = 2\n  bucket = "b-${count.index}"\n}\n')
    (bucket,) = load_module(tmp_path, "", ["main.tf"]).resources
    assert bucket.address == "aws_s3_bucket.b"
    assert bucket.config == {"count": 2, "bucket": {"$unknown": '"b-${count.index}"'}}


def _expressions() -> str:
    return r'''
locals {
  zones = ["a", "b"]
}
resource "aws_instance" "odd" {
  for_expr   = [for z in local.zones : upper(z) if z != "b"]
  obj_for    = { for k, v in var.m : k => v... }
  splat      = aws_subnet.s[*].id
  attr_splat = aws_subnet.s.*.id
  index      = local.zones[1]
  missing    = local.zones[5]
  nested     = "${"inner ${local.zones[0]}"}"
  directive  = "%{ if var.x }yes%{ endif }"
  escaped    = "%%{ not a directive }"
  math       = 1 + 2 * 3
  neg        = -1
  float      = 2.5
  unicode    = "caf\u00e9 \U0001F600"
  provider_fn = provider::aws::arn_parse("arn:aws:s3:::b")
  heredoc    = <<-EOT
    line one ${local.zones[0]}
      line two \n stays
  EOT
  parens     = (local.zones)
  tpl_obj    = "${local.zones}"
  nulls      = null
  empty_list = []
  objs       = [{ a = 1 }, { b = [true, null] }]
}
'''


def test_many_expression_kinds_never_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_expressions())
    result = load_module(tmp_path, "", ["main.tf"])
    assert result.errors == ()
    (odd,) = result.resources
    config: dict[str, Any] = dict(odd.config)
    assert config["index"] == "b"
    assert config["missing"] == {"$unknown": "local.zones[5]"}
    assert config["directive"] == {"$unknown": '"%{ if var.x }yes%{ endif }"'}
    assert config["escaped"] == "%{ not a directive }"
    assert config["neg"] == -1
    assert config["float"] == 2.5
    assert config["unicode"] == "café \U0001F600"
    assert config["heredoc"] == "line one a\n  line two \\n stays"
    assert config["parens"] == ["a", "b"]
    assert config["tpl_obj"] == ["a", "b"]
    assert config["nulls"] is None
    assert config["empty_list"] == []
    assert config["objs"] == [{"a": 1}, {"b": [True, None]}]
    for key in ("for_expr", "obj_for", "splat", "attr_splat", "math", "provider_fn"):
        assert set(config[key]) == {"$unknown"}, key
    assert config["splat"] == {"$unknown": "aws_subnet.s[*].id"}
    json.dumps(odd.to_input())  # plain JSON throughout


def test_a_loader_bug_on_one_block_is_reported_not_raised(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.load.terraform.module as module

    real = module.policies_of

    def explode(type_: str, *args: Any) -> Any:
        if type_ == "aws_iam_role":
            raise KeyError("boom")
        return real(type_, *args)

    monkeypatch.setattr(module, "policies_of", explode)
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {}\nresource "aws_sqs_queue" "q" {}\n')
    result = load_module(tmp_path, "", ["main.tf"])
    assert [r.address for r in result.resources] == ["aws_sqs_queue.q"]
    assert [(e.code, e.file, e.line) for e in result.errors] == [("engine-error", "main.tf", 1)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_files_never_raise(data: st.DataObject) -> None:
    source = _expressions()
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(source)))
        junk = data.draw(st.sampled_from(['"', "{", "}", "${", "\n", "=", "<<EOT\n", "[", "(", ""]))
        cut = data.draw(st.integers(0, 3))
        source = source[:position] + junk + source[position + cut:]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "main.tf").write_text(source)
        result = load_module(Path(folder), "", ["main.tf"])
    assert all(e.code == "parse-error" for e in result.errors)
    json.dumps([r.to_input() for r in result.resources])


# -- secrets never leave the loader (DESIGN.md §3) ----------------------------------------

REDACTED = {"$redacted": True}


@pytest.fixture(scope="module")
def secrets() -> dict[str, Resource]:
    result = _load("secrets")
    assert result.errors == ()
    return {r.address: r for r in result.resources}


def test_no_secret_of_the_fixture_reaches_any_output(secrets: dict[str, Resource]) -> None:
    # Every secret literal in tests/fixtures/terraform/secrets contains "canary".
    dumped = json.dumps([r.to_input() for r in secrets.values()])
    assert "canary" not in dumped
    assert dumped.count("<redacted>") == 9  # the texts below: none lost, none doubled


def test_unknown_text_redacts_literals_under_secret_keys(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n'
        '  policy = templatefile("p.tpl", { bucket = "b", api_token = "TplTokenSECRET9" })\n'
        '}\n')
    (policy,) = load_module(tmp_path, "", ["main.tf"]).resources
    text = 'templatefile("p.tpl", {bucket = "b", api_token = "<redacted>"})'
    assert policy.config == {"policy": {"$unknown": text}}
    assert policy.extra["iam_policies"] == [
        {"attribute": "policy", "statements": {"$unknown": text}}]
    assert "TplTokenSECRET9" not in json.dumps(policy.to_input())


def test_unknown_texts_of_every_expression_shape_are_redacted(
        secrets: dict[str, Resource]) -> None:
    vm = secrets["aws_instance.uses_secrets"]
    assert vm.config["legacy"] == {  # "${...}": raw interpolation text, not parsed by hcl2
        "$unknown": 'merge(var.extra, { client_secret = "<redacted>" })'}
    assert vm.config["for_expr"] == {  # for expressions are rendered as HCL, not repr()
        "$unknown": '[for s in var.names : {name = s, password = "<redacted>"}]'}
    assert vm.config["env_in_call"] == {
        "$unknown": 'merge(var.extra, {STRIPE_KEY = "<redacted>"})'}
    tags = {"$unknown": 'merge(var.extra, {Name = "vm", token = "<redacted>"})'}
    assert vm.config["tags"] == tags
    assert vm.extra["tags"] == tags
    # A literal copy of a sensitive variable's value, under no secret key at all.
    assert vm.config["copied"] == {"$unknown": 'format("%s", "<redacted>")'}


def test_secret_named_locals_and_traversal_steps_are_redacted(
        secrets: dict[str, Resource]) -> None:
    config = secrets["aws_instance.uses_secrets"].config
    assert config["ami"] == REDACTED  # local.db_password
    assert config["user_data"] == REDACTED  # a template over a local built from it
    assert config["host"] == "h"  # local.cfg.host
    assert config["db_pass"] == REDACTED  # local.cfg.password
    assert config["token_copy"] == REDACTED  # var.api_token, set in terraform.tfvars
    assert config["var_step"] == REDACTED  # var.db["password"]


def test_jsonencode_encodes_secret_keys_redacted(secrets: dict[str, Resource]) -> None:
    config = secrets["aws_instance.uses_secrets"].config
    assert config["encoded"] == '{"password":{"$redacted":true},"user":"app"}'


def test_credential_resources_are_redacted_by_type(secrets: dict[str, Resource]) -> None:
    configs = {address: r.config for address, r in secrets.items()}
    assert configs["aws_ssm_parameter.plain"] == {
        "name": "/app/db-url", "type": "String", "value": REDACTED}
    assert configs["aws_ssm_parameter.insecure"] == {
        "name": "/app/insecure", "type": "String", "insecure_value": REDACTED}
    assert configs["aws_secretsmanager_secret_version.json"] == {
        "secret_id": "app/db", "secret_string": REDACTED}
    assert configs["aws_secretsmanager_secret_version.binary"] == {
        "secret_id": "app/cert", "secret_binary": REDACTED}
    assert configs["kubernetes_secret.app"] == {
        "metadata": [{"name": "app"}],
        "data": {"db-url": REDACTED}, "binary_data": {"cert": REDACTED}}
    assert configs["kubernetes_secret_v1.app"] == {
        "metadata": [{"name": "app-v1"}], "data": REDACTED}  # an unknown map: whole
    assert configs["azurerm_key_vault_secret.db"] == {
        "name": "db", "value": REDACTED, "key_vault_id": "kv-id"}


def test_environment_variables_are_redacted_by_name(secrets: dict[str, Resource]) -> None:
    assert secrets["aws_lambda_function.api"].config["environment"] == [{"variables": {
        "STRIPE_KEY": REDACTED, "DB_PASSWORD": REDACTED,
        "STAGE": "prod", "KMS_KEY_ID": "alias/app"}}]
    assert secrets["azurerm_linux_function_app.api"].config["app_settings"] == {
        "API_TOKEN": REDACTED, "FUNCTIONS_WORKER_RUNTIME": "python"}
    assert secrets["aws_ecs_task_definition.encoded"].config["container_definitions"] == (
        '[{"environment":[{"name":"DB_PASSWORD","value":{"$redacted":true}},'
        '{"name":"STAGE","value":"prod"}],"image":"nginx","name":"app","privileged":false}]')
    assert secrets["aws_ecs_task_definition.heredoc"].config["container_definitions"] == (
        '[{"name":"app","image":"nginx","environment":'
        '[{"name":"API_TOKEN","value":{"$redacted":true}}]}]')
    assert secrets["aws_ecs_task_definition.unresolved"].config["container_definitions"] == {
        "$unknown": '"[{"name": "app", "image": "${var.extra}", "environment": '
                    '[{"name": "API_TOKEN", "value": "<redacted>"}]}]"'}


# -- line endings, tfvars, Terraform JSON -------------------------------------------------

_CRLF_MODULE = (
    'resource "aws_iam_policy" "p" {\n'
    '  name   = "p"\n'
    '  policy = <<EOT\n'
    '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}\n'
    'EOT\n'
    '  description = <<-EOT\n'
    '    first ${var.banner}\n'
    '    second\n'
    '  EOT\n'
    '}\n'
    'variable "banner" {}\n'
    'resource "aws_sqs_queue" "q" {\n'
    '  name = "q"\n'
    '}\n'
)


def test_crlf_files_with_heredocs_parse_with_the_same_lines(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(_CRLF_MODULE.replace("\n", "\r\n").encode())
    (tmp_path / "terraform.tfvars").write_bytes(b"banner = <<EOT\r\nhello\r\nEOT\r\n")
    result = load_module(tmp_path, "", ["main.tf", "terraform.tfvars"])
    assert result.errors == ()
    located = [(r.address, r.line, r.extra["end_line"]) for r in result.resources]
    assert located == [("aws_iam_policy.p", 1, 10), ("aws_sqs_queue.q", 12, 14)]
    policy = result.resources[0]
    assert policy.config == {
        "name": "p",
        "policy": '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                  '"Resource": "*"}]}',
        "description": "first hello\nsecond",
    }
    assert policy.extra["iam_policies"] == [{"attribute": "policy", "statements": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}]


def test_tfvars_json_files_follow_terraforms_precedence(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "a" { default = "default" }\nvariable "b" { default = "default" }\n'
        'variable "c" { default = "default" }\nvariable "d" { default = "default" }\n'
        'variable "e" { default = "default" }\nvariable "f" { default = "default" }\n'
        'variable "cfg" {}\n'
        'variable "db_password" {}\n'
        'resource "aws_sqs_queue" "q" {\n'
        '  name = "${var.a}/${var.b}/${var.c}/${var.d}/${var.e}/${var.f}"\n'
        '  cfg  = var.cfg\n'
        '  pw   = var.db_password\n'
        '}\n')
    (tmp_path / "terraform.tfvars").write_text(
        'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\nd = "tfvars"\ne = "tfvars"\n')
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({
        "b": "tfvars.json", "c": "tfvars.json", "d": "tfvars.json", "e": "tfvars.json",
        "cfg": {"tags": {"k": "v"}, "ids": [1, 2], "on": True, "none": None},
        "db_password": "json-tfvars-secret"}))
    (tmp_path / "a.auto.tfvars.json").write_text('{"c": "a.auto.json", "d": "a.auto.json",'
                                                 ' "e": "a.auto.json"}')
    (tmp_path / "b.auto.tfvars").write_text('d = "b.auto"\ne = "b.auto"\n')
    (tmp_path / "c.auto.tfvars.json").write_text('{"e": "c.auto.json"}')
    (tmp_path / "prod.tfvars.json").write_text('{"a": "prod", "f": "prod"}')  # -var-file only
    files = ["prod.tfvars.json", "c.auto.tfvars.json", "b.auto.tfvars", "a.auto.tfvars.json",
             "terraform.tfvars.json", "terraform.tfvars", "main.tf"]
    result = load_module(tmp_path, "", files)
    assert result.errors == ()
    (queue,) = result.resources
    assert queue.config == {
        "name": "tfvars/tfvars.json/a.auto.json/b.auto/c.auto.json/default",
        "cfg": {"tags": {"k": "v"}, "ids": [1, 2], "on": True, "none": None},
        "pw": REDACTED,
    }


def test_broken_tfvars_json_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "n" { default = 1 }\n'
                                      'resource "aws_sqs_queue" "q" {\n  n = var.n\n}\n')
    (tmp_path / "a.auto.tfvars.json").write_text('{\n  "n": 2,\n}\n')
    (tmp_path / "b.auto.tfvars.json").write_text('["not", "an", "object"]')
    result = load_module(tmp_path, "", ["main.tf", "a.auto.tfvars.json", "b.auto.tfvars.json"])
    assert [r.config for r in result.resources] == [{"n": 1}]
    assert [(e.code, e.file, e.line, e.message) for e in result.errors] == [
        ("parse-error", "a.auto.tfvars.json", 3, "a.auto.tfvars.json: line 3, column 1: "
         "invalid JSON (Expecting property name enclosed in double quotes)"),
        ("parse-error", "b.auto.tfvars.json", 1,
         "b.auto.tfvars.json: a tfvars JSON file must hold an object"),
    ]


_NOT_SUPPORTED = "Terraform JSON syntax (.tf.json) is not supported yet; the file was not scanned"


def test_tf_json_files_are_not_supported_errors_never_skipped(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "x"\n}\n')
    (tmp_path / "net" / "override.tf.json").write_text('{"resource": {}}')
    (tmp_path / "net" / "broken.tf.json").write_text("{ not json")
    result = load_module(tmp_path, "net", [
        "net/override.tf.json", "net/main.tf", "net/broken.tf.json"])
    assert [r.address for r in result.resources] == ["aws_vpc.v"]
    assert result.errors == (
        ScanError("not-supported", f"net/broken.tf.json: {_NOT_SUPPORTED}",
                  file="net/broken.tf.json"),
        ScanError("not-supported", f"net/override.tf.json: {_NOT_SUPPORTED}",
                  file="net/override.tf.json"),
    )


def test_module_of_only_tf_json_files_reports_each(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{"resource": {"aws_vpc": {"v": {}}}}')
    (tmp_path / "variables.tf.json").write_text('{"variable": {}}')
    (tmp_path / "terraform.tfvars.json").write_text('{"x": 1}')
    result = load_module(tmp_path, "", [
        "main.tf.json", "variables.tf.json", "terraform.tfvars.json"])
    assert result.resources == ()
    assert [(e.code, e.file, e.line, e.message) for e in result.errors] == [
        ("not-supported", "main.tf.json", 0, f"main.tf.json: {_NOT_SUPPORTED}"),
        ("not-supported", "variables.tf.json", 0, f"variables.tf.json: {_NOT_SUPPORTED}"),
    ]


def _tags_of(tmp_path: Path, tf: str) -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(tf)
    result = load_module(tmp_path, "", ["main.tf"])
    assert result.errors == ()
    return {r.address: r.extra["tags"] for r in result.resources if r.type == "aws_s3_bucket"}


MERGE_MODULE = """
variable "tags" {
  default = { team = "qa", "gxp-classification" = "non-gxp" }
}
variable "unset" {}
variable "key" {
  default = "k"
}
locals {
  common = { "cost-center" = "cc-1" }
}
resource "aws_s3_bucket" "later_wins" {
  tags = merge(var.tags, { "gxp-classification" = "gxp-critical" }, local.common)
}
resource "aws_s3_bucket" "nested_and_null" {
  tags = merge(var.tags, merge(local.common, { owner = var.key }), null)
}
resource "aws_s3_bucket" "unknown_argument" {
  tags = merge(var.tags, var.unset)
}
resource "aws_s3_bucket" "unknown_value" {
  tags = merge(var.tags, { owner = var.unset })
}
resource "aws_s3_bucket" "computed_key" {
  tags = merge(var.tags, { (var.key) = "x" })
}
resource "aws_s3_bucket" "not_a_map" {
  tags = merge(var.tags, ["a"])
}
"""


def test_merge_of_known_maps_resolves(tmp_path: Path) -> None:
    """tags = merge(var.tags, {...}) is how most modules tag: known maps merge, later keys
    win, null arguments are skipped (Terraform's merge), nested merges resolve."""
    tags = _tags_of(tmp_path, MERGE_MODULE)
    assert tags["aws_s3_bucket.later_wins"] == {
        "team": "qa", "gxp-classification": "gxp-critical", "cost-center": "cc-1"}
    assert tags["aws_s3_bucket.nested_and_null"] == {
        "team": "qa", "gxp-classification": "non-gxp", "cost-center": "cc-1", "owner": "k"}
    # A value inside may stay unknown: the keys are still known.
    assert tags["aws_s3_bucket.unknown_value"] == {
        "team": "qa", "gxp-classification": "non-gxp", "owner": {"$unknown": "var.unset"}}


def test_merge_of_anything_else_stays_unknown(tmp_path: Path) -> None:
    tags = _tags_of(tmp_path, MERGE_MODULE)
    assert tags["aws_s3_bucket.unknown_argument"] == {"$unknown": "merge(var.tags, var.unset)"}
    # hcl2 drops the parentheses of a computed key: it must not become a literal "var.key"
    assert tags["aws_s3_bucket.computed_key"] == {
        "$unknown": 'merge(var.tags, {"var.key" = "x"})'}
    assert tags["aws_s3_bucket.not_a_map"] == {"$unknown": 'merge(var.tags, ["a"])'}


def test_merged_secret_keys_are_redacted(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n  base = { Name = "vm" }\n}\n'
        'resource "aws_instance" "vm" {\n'
        '  tags = merge(local.base, { api_token = "MergedCanary42" })\n}\n')
    (vm,) = load_module(tmp_path, "", ["main.tf"]).resources
    assert vm.config["tags"]["Name"] == "vm"
    assert "MergedCanary42" not in json.dumps(vm.to_input())
