"""--new-only matching: by fingerprint, with multiplicity, same file first, through renames."""

from __future__ import annotations

from engine.decide.baseline import mark_preexisting
from engine.model import Engine, Finding, Severity, Status


def finding(resource: str, file: str, line: int = 1, policy: str = "ENC-05",
            status: Status = Status.FAILED, unit: str = "kubernetes") -> Finding:
    return Finding(policy, "t", Severity.HIGH, "encryption", Engine.REGO, status, resource,
                   file, line, "m", unit)


def marks(findings: tuple[Finding, ...]) -> dict[tuple[str, str], bool]:
    return {(f.resource, f.file): f.preexisting for f in findings}


def test_moved_line_and_renamed_file_are_preexisting() -> None:
    head = [finding("Secret/a/s", "k8s/new-name.yaml", line=9)]
    base = [finding("Secret/a/s", "k8s/old-name.yaml", line=1)]
    out = mark_preexisting(head, base, {"k8s/new-name.yaml": "k8s/old-name.yaml"})
    assert marks(out) == {("Secret/a/s", "k8s/new-name.yaml"): True}


def test_another_policy_unit_or_resource_is_new() -> None:
    base = [finding("Secret/a/s", "k8s/a.yaml")]
    head = [finding("Secret/a/s", "k8s/a.yaml", policy="ENC-06"),
            finding("Secret/a/t", "k8s/a.yaml"),
            finding("Secret/a/s", "envs/a.yaml", unit="chart:envs@default")]
    assert not any(f.preexisting for f in mark_preexisting(head, base, {}))


def test_a_copy_in_another_file_is_new_and_the_original_stays_old() -> None:
    base = [finding("Secret/a/s", "envs/dev/app.yaml")]
    head = [finding("Secret/a/s", "envs/prod/app.yaml"), finding("Secret/a/s",
                                                                  "envs/dev/app.yaml")]
    assert marks(mark_preexisting(head, base, {})) == {
        ("Secret/a/s", "envs/dev/app.yaml"): True, ("Secret/a/s", "envs/prod/app.yaml"): False}


def test_an_object_moved_to_another_file_without_a_rename_is_still_matched() -> None:
    base = [finding("Secret/a/s", "k8s/all.yaml")]
    head = [finding("Secret/a/s", "k8s/secrets.yaml")]
    assert marks(mark_preexisting(head, base, {})) == {("Secret/a/s", "k8s/secrets.yaml"): True}


def test_passed_results_are_neither_matched_nor_marked() -> None:
    base = [finding("Pod/a/p", "k8s/p.yaml", policy="CKV_K8S_1", status=Status.PASSED)]
    head = [finding("Pod/a/p", "k8s/p.yaml", policy="CKV_K8S_1")]
    assert not mark_preexisting(head, base, {})[0].preexisting
