"""Push mode's package namespacing: exact rewrites, and nothing else touched."""

from __future__ import annotations

from engine.evaluate.opa.namespace import namespace_for, namespaced_module

NS = "gitops_compliance_push.b0123456789abcdef"


def test_namespace_comes_from_the_digest() -> None:
    assert namespace_for("0123456789abcdef" + "f" * 48) == NS


def test_package_and_data_references_move_under_the_namespace() -> None:
    text = (
        "# METADATA\n# title: data. in a comment stays\npackage acme.iam.p1\n\n"
        "import data.acme.lib.util\n\n"
        'deny contains msg if {\n\tsome r in data.inventory.terraform\n'
        '\tr.config.data == input.data\n\tx := data["gitops_compliance"].params\n'
        '\tmetadata := "data.inventory"\n\tmsg := `data.raw`\n}\n'
    )
    out = namespaced_module(text, NS)
    assert f"package {NS}.acme.iam.p1" in out
    assert f"import data.{NS}.acme.lib.util" in out
    assert f"some r in data.{NS}.inventory.terraform" in out
    assert f'x := data.{NS}["gitops_compliance"].params' in out
    # fields named data, identifiers containing it, strings and comments are untouched
    assert "r.config.data == input.data" in out
    assert 'metadata := "data.inventory"' in out
    assert "msg := `data.raw`" in out
    assert "# title: data. in a comment stays" in out


def test_escaped_quotes_do_not_end_a_string() -> None:
    text = 'package p\n\nx := "a \\" data.y"\ny := data.z\n'
    out = namespaced_module(text, NS)
    assert 'x := "a \\" data.y"' in out
    assert f"y := data.{NS}.z" in out


def test_upload_order_puts_libraries_before_their_users() -> None:
    from engine.evaluate.opa.namespace import upload_order

    modules = [
        ("a/policy.rego", "package acme.a\n\nimport data.acme.lib.k8s\n"),
        ("lib/k8s.rego", "package acme.lib.k8s\n\nimport data.acme.lib.util\n"),
        ("lib/util.rego", "package acme.lib.util\n\nx := 1\n"),
        ("agg.rego", "package agg\n\nr := [data.acme.a.deny]\n"),
    ]
    order = [name for name, _ in upload_order(modules)]
    assert order == ["lib/util.rego", "lib/k8s.rego", "a/policy.rego", "agg.rego"]
