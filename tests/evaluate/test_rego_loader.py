from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluate.rego import PolicyLoadError, PolicySet, load_policy_set
from engine.model import Severity
from engine.resources import policies_dir
from tests.evaluate.rego_helpers import metadata, policy, write


def _load(root: Path) -> PolicySet:
    return load_policy_set([root], display_root=root)


def test_builtin_library_loads() -> None:
    rego = policies_dir() / "rego"
    policy_set = load_policy_set([rego], display_root=rego)
    # Invariants rather than the full list: every family helper adds policies here.
    ids = [p.meta.id for p in policy_set.policies]
    assert {"ENC-05", "GPU-01", "GXP-10", "IAM-02"} <= set(ids) and len(set(ids)) == len(ids)
    sources = [p.meta.source for p in policy_set.policies]
    assert sources == sorted(sources)  # loaded in file order
    assert policy_set.packages[0] == "gitops_compliance.encryption.enc01"
    assert {"gitops_compliance.lib.kubernetes", "gitops_compliance.lib.util",
            "gitops_compliance.lib.iam"} <= set(policy_set.libraries)
    tested = {f.file for f in policy_set.test_files}
    assert {"encryption/enc05_test.rego", "gpu/gpu01_test.rego", "gxp/gxp10_test.rego",
            "iam/iam02_test.rego", "lib/util_test.rego"} <= tested
    assert {s.replace(".rego", "_test.rego") for s in sources} <= tested
    assert policy_set.by_id()["GPU-01"].meta.source == "gpu/gpu01.rego"
    assert len(policy_set.digest) == 64


def test_metadata_fields(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a", policy_id="ACME-1", severity="Medium",
                                      applies_to="[Deployment, data.aws_iam_policy_document]")})
    meta = _load(tmp_path).metas[0]
    assert (meta.id, meta.severity, meta.family, meta.title) == (
        "ACME-1", Severity.MEDIUM, "test", "A test policy")
    assert meta.controls == ("21CFR11.10(a)",)
    assert meta.applies_to == ("Deployment", "data.aws_iam_policy_document")
    assert meta.remediation == "Fix it." and meta.source == "a.rego"


def test_digest_tracks_contents_not_tests(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a"), "a_test.rego": "package p.a_test\n"})
    first = _load(tmp_path).digest
    write(tmp_path, {"a_test.rego": "package p.a_test\n\ntest_x if true\n"})
    assert _load(tmp_path).digest == first
    write(tmp_path, {"a.rego": policy("p.a", body="deny contains \"y\" if false\n")})
    assert _load(tmp_path).digest != first


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {"ok.rego": policy("p.ok"),
                     "broken.rego": policy("p.broken", body="deny contains x if {\n  x := \n}\n")})
    with pytest.raises(PolicyLoadError) as caught:
        _load(tmp_path)
    assert caught.value.file == "broken.rego"
    assert caught.value.line == 14  # "  x := " below 10 metadata lines, package, blank, head
    assert "Stack backtrace" not in str(caught.value)
    assert str(caught.value).startswith("broken.rego:14: ")


def test_compile_error_found_at_load(tmp_path: Path) -> None:
    """regorus defers unsafe-variable checks to the first evaluation; the loader forces it."""
    write(tmp_path, {"a.rego": policy("p.a", body="deny contains x if {\n  y == 1\n}\n")})
    with pytest.raises(PolicyLoadError, match="unsafe") as caught:
        _load(tmp_path)
    assert (caught.value.file, caught.value.line) == ("a.rego", 14)


def test_v0_syntax_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a", body="deny[msg] { msg := \"x\" }\n")})
    with pytest.raises(PolicyLoadError, match="if"):
        _load(tmp_path)


def test_duplicate_id_across_directories(tmp_path: Path) -> None:
    first = write(tmp_path / "one", {"a.rego": policy("p.a", policy_id="DUP-1")})
    second = write(tmp_path / "two", {"b.rego": policy("p.b", policy_id="DUP-1")})
    with pytest.raises(PolicyLoadError, match="duplicate policy id DUP-1") as caught:
        load_policy_set([first, second], display_root=tmp_path)
    assert caught.value.file == "two/b.rego"
    assert "one/a.rego" in caught.value.message


def test_duplicate_package(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.same", policy_id="A-1"),
                     "b.rego": policy("p.same", policy_id="B-1")})
    with pytest.raises(PolicyLoadError, match=r"package p\.same is already defined in a\.rego"):
        _load(tmp_path)


@pytest.mark.parametrize(("text", "reason"), [
    ("package p.a\n\ndeny contains \"x\" if false\n", "no METADATA block"),
    (metadata().replace("#   id: T-1\n", "") + "package p.a\n", "missing custom.id"),
    (metadata().replace("#   severity: high\n", "") + "package p.a\n", "missing custom.severity"),
    (metadata(severity="urgent") + "package p.a\n", "unknown severity 'urgent'"),
    (metadata(extra="#   sevirity: low\n") + "package p.a\n", "unknown METADATA custom key"),
    ("# METADATA\n# title: x\npackage p.a\n", "no custom: section"),
    ("# METADATA\n# custom: [\npackage p.a\n", "not valid YAML"),
    ("# METADATA\n# scope: rule\n# custom: {id: A, severity: low}\npackage p.a\n", "scope 'rule'"),
])
def test_bad_metadata(tmp_path: Path, text: str, reason: str) -> None:
    write(tmp_path, {"pkg/a.rego": text})
    with pytest.raises(PolicyLoadError, match=reason) as caught:
        _load(tmp_path)
    assert caught.value.file == "pkg/a.rego"
    assert caught.value.line >= 1


def test_metadata_separated_by_blank_line_counts(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": metadata() + "\npackage p.a\n"})
    assert _load(tmp_path).metas[0].id == "T-1"


def test_zero_policies_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"only_test.rego": "package p_test\n\ntest_x if true\n"})
    with pytest.raises(PolicyLoadError, match="no Rego policies found"):
        _load(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match="not found"):
        load_policy_set([tmp_path / "nope"], display_root=tmp_path)


def test_library_packages_need_no_metadata_but_may_not_define_rules(tmp_path: Path) -> None:
    write(tmp_path, {"lib/util.rego": "package acme.lib.util\n\ntwice(x) := x * 2\n",
                     "a.rego": policy("p.a")})
    assert _load(tmp_path).libraries == ("acme.lib.util",)
    write(tmp_path, {"lib/util.rego": "package acme.lib.util\n\ndeny contains 1 if true\n"})
    with pytest.raises(PolicyLoadError, match=r"library package acme\.lib\.util defines 'deny'"):
        _load(tmp_path)


def test_hidden_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a"), ".git/x.rego": "not rego at all"})
    assert len(_load(tmp_path).policies) == 1


def test_data_files_and_applies_to_references(tmp_path: Path) -> None:
    write(tmp_path, {
        "data/types.json": '{"acme": {"types": {"aws": ["aws_s3_bucket"], "az": ["azurerm_x"]}}}',
        "a.rego": policy("p.a", applies_to="[Namespace, \"data:acme.types\"]"),
    })
    policy_set = _load(tmp_path)
    assert policy_set.data == {"acme": {"types": {"aws": ["aws_s3_bucket"],
                                                  "az": ["azurerm_x"]}}}
    assert policy_set.metas[0].applies_to == (
        "Namespace", "aws_s3_bucket", "azurerm_x")


@pytest.mark.parametrize(("files", "reason"), [
    ({"d.json": '{"inventory": {}}'}, "reserved"),
    ({"d.json": '{"gitops_compliance": {"params": {}}}'}, "reserved"),
    ({"d.json": "[1]"}, "JSON object"),
    ({"d.json": '{"a": '}, "invalid JSON"),
    ({"d.json": '{"a": 1}', "e.json": '{"a": 2}'}, "defined twice"),
])
def test_bad_data_files(tmp_path: Path, files: dict[str, str], reason: str) -> None:
    write(tmp_path, {"a.rego": policy("p.a"), **files})
    with pytest.raises(PolicyLoadError, match=reason):
        _load(tmp_path)


def test_unresolved_applies_to_reference(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a", applies_to="[\"data:acme.nothing\"]")})
    with pytest.raises(PolicyLoadError, match=r"data\.acme\.nothing") as caught:
        _load(tmp_path)
    assert caught.value.file == "a.rego"


def test_engines_are_independent_clones(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a", body="deny contains data.x if true\n")})
    policy_set = _load(tmp_path)
    one, two = policy_set.new_engine(), policy_set.new_engine()
    one.add_data({"x": "from one"})
    assert one.eval_rule_as_json("data.p.a.deny").count("from one") == 1
    assert "from one" not in two.eval_rule_as_json("data.p.a.deny")


def test_broken_test_file_is_a_load_error_when_tests_are_listed(tmp_path: Path) -> None:
    # A scan never reads test files; listing the tests (policy test) reports it.
    write(tmp_path, {"a.rego": policy("p.a"), "a_test.rego": "package p.a_test\n\ntest_x if {\n"})
    policy_set = _load(tmp_path)
    with pytest.raises(PolicyLoadError) as caught:
        policy_set.test_files  # noqa: B018 - the property parses them
    assert caught.value.file == "a_test.rego"


def test_rule_that_is_not_a_collection(tmp_path: Path) -> None:
    write(tmp_path, {"a.rego": policy("p.a", policy_id="A-1"),
                     "b.rego": policy("p.b", policy_id="B-1", body="deny := true\n")})
    with pytest.raises(PolicyLoadError, match="B-1: deny, violation, warn must be sets") as caught:
        _load(tmp_path)
    assert caught.value.file == "b.rego"
