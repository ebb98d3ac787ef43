"""Units of the Terraform loader: parsing, the attribute/block rule, templates, resolution."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.load.terraform import template
from engine.load.terraform.body import normalize_body
from engine.load.terraform.hcl import ParsedFile, parse_hcl
from engine.load.terraform.values import terraform_jsonencode
from engine.load.terraform.variables import MISSING, Resolver, Variable
from engine.model import ScanError


def _body(text: str) -> dict[str, Any]:
    parsed = parse_hcl(text, "t.tf")
    assert isinstance(parsed, ParsedFile)
    ((_, named),) = parsed.body["resource"][0].items()
    ((_, body),) = named.items()
    return normalize_body(body)


def test_object_attribute_and_block_are_told_apart() -> None:
    body = _body('resource "t" "n" {\n  tags = {}\n  lifecycle {}\n'
                 '  settings = { a = 1 }\n  rule {\n    a = 1\n  }\n'
                 '  rule {\n    a = 2\n  }\n  list = [{ a = 1 }]\n}\n')
    assert body == {"tags": {}, "lifecycle": [{}], "settings": {"a": 1},
                    "rule": [{"a": 1}, {"a": 2}], "list": [{"a": 1}]}
    assert "__start_line__" not in body


def test_labelled_nested_block() -> None:
    body = _body('resource "t" "n" {\n  provisioner "local-exec" {\n    command = "x"\n  }\n}\n')
    assert body == {"provisioner": [{"local-exec": [{"command": "x"}]}]}


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ('resource "a" "b" {\n  x = 1\n', 2, "unexpected end of file"),
    ('resource "a" "b" {\n  x = 1 }\n}\n', 3, "unexpected '}'"),
    ('resource "a" "b" {\n  x = "abc\n}\n', 2, "unclosed quote"),
    ('resource "a" "b" {\n  x = @\n}\n', 2, "unexpected character '@'"),
])
def test_parse_errors_have_line_and_expectation(text: str, line: int, fragment: str) -> None:
    error = parse_hcl(text, "m/x.tf")
    assert isinstance(error, ScanError)
    assert (error.code, error.file, error.line) == ("parse-error", "m/x.tf", line)
    assert fragment in error.message


def test_malformed_string_does_not_backtrack_catastrophically() -> None:
    # hcl2.loads (and so Checkov) never returns on this: its string regex nests quantifiers.
    text = ('resource "a" "b" {\n'
            '  nested = "${"inner ${local.zones[0]}"}${  directive = "%{ if var.x }yes%{ endif }"\n'
            '  escaped = "x"\n}\n')
    started = time.perf_counter()
    error = parse_hcl(text, "x.tf")
    # A hang guard, not a performance test: the broken parser takes hours, ours milliseconds.
    assert time.perf_counter() - started < 30
    assert isinstance(error, ScanError) and error.line == 2


def test_template_split_respects_nested_quotes_and_braces() -> None:
    segments = template.split('a-${lookup(var.m, "}")}-${{x = 1}}$${lit}')
    assert segments == [
        template.Segment(template.Part.LITERAL, "a-"),
        template.Segment(template.Part.EXPRESSION, 'lookup(var.m, "}")'),
        template.Segment(template.Part.LITERAL, "-"),
        template.Segment(template.Part.EXPRESSION, "{x = 1}"),
        template.Segment(template.Part.LITERAL, "$${lit}"),
    ]
    assert template.split("${unbalanced") is None


def test_resolver_precedence_traversal_and_cycles() -> None:
    resolver = Resolver(
        variables={"cfg": Variable(default={"name": "x", "ids": [1, 2]}),
                   "env": Variable(default="dev"), "unset": Variable(default=MISSING)},
        assignments={"env": "prod"},
        locals_={"a": "${local.b}", "b": "${local.a}", "name": "${var.cfg.name}-${var.env}"},
    )
    assert resolver.resolve_string("${var.cfg.ids[1]}") == 2
    assert resolver.resolve_string('${var.cfg["name"]}') == "x"
    assert resolver.resolve_string("${local.name}") == "x-prod"
    assert resolver.resolve_string("${local.a}") == {"$unknown": "local.a"}
    assert resolver.resolve_string("n=${var.cfg.ids}") == {"$unknown": '"n=${var.cfg.ids}"'}
    assert resolver.resolve_string("${var.nope}") == {"$unknown": "var.nope"}
    assert resolver.resolve_string("${count.index}") == {"$unknown": "count.index"}
    assert resolver.resolve_string("${var.unset}") == {"$unknown": "var.unset"}
    assert resolver.resolve_string("${true}") is True


def test_interpolation_formats_numbers_and_bools_like_terraform() -> None:
    resolver = Resolver(variables={
        "n": Variable(default=3), "f": Variable(default=1.0), "b": Variable(default=False)})
    assert resolver.resolve_string("${var.n}/${var.f}/${var.b}") == "3/1/false"


def test_terraform_jsonencode_bytes() -> None:
    assert terraform_jsonencode({"b": 1.0, "a": "<&>"}) == '{"a":"\\u003c\\u0026\\u003e","b":1}'


def test_crlf_line_endings_parse_like_lf() -> None:
    text = ('resource "a" "b" {\n  x = <<EOT\nhello\n  world\nEOT\n'
            '  y = <<-EOT\n    hi\n  EOT\n  z = "q"\n}\n')
    lf = parse_hcl(text, "a.tf")
    crlf = parse_hcl(text.replace("\n", "\r\n"), "a.tf")
    assert isinstance(lf, ParsedFile) and isinstance(crlf, ParsedFile)
    assert crlf.body == lf.body
    assert _body(text.replace("\n", "\r\n")) == {"x": "hello\n  world", "y": "hi", "z": "q"}
    # Errors keep their line too.
    error = parse_hcl('resource "a" "b" {\r\n  x = <<EOT\r\nhi\r\nEOT\r\n  y = @\r\n}\r\n', "e.tf")
    assert isinstance(error, ScanError) and error.line == 5


def test_for_expressions_and_provider_functions_render_as_hcl() -> None:
    body = _body('resource "t" "n" {\n'
                 '  a = [for z in var.l : { n = z, v = null } if z != "b"]\n'
                 '  b = { for k, v in var.m : k => [v, "x"]... }\n'
                 '  c = provider::aws::arn_parse({ arn = "x" }, null)\n}\n')
    assert body == {
        "a": '${[for z in var.l : {n = z, v = null} if z != "b"]}',
        "b": '${{for k , v in var.m : k => [v, "x"] ...}}',
        "c": '${provider::aws::arn_parse({arn = "x"}, null)}',
    }
