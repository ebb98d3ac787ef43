"""End-to-end: ``scan --staged``, ``--ref`` and ``--diff`` on real git repositories (GitPython),
with the real Rego engine and real Checkov, in-process (one shared Checkov).

Each test builds a small history, scans it and asserts which policy fired on which resource,
file and line, what is pre-existing, what governance changes were reported and the exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
import pytest

from tests.conftest import findings_by, make_repo, run_cli

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ml}
data: {mode: batch}
"""
SECRET = """apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: ml}
stringData: {token: not-a-real-token}
"""
ROLE_READ = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: ml}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
"""
ROLE_WILDCARD = ROLE_READ.replace("verbs: [get, list]", 'verbs: ["*"]')
BASE_FILES = {"k8s/settings.yaml": CONFIGMAP}


def commit(repo: git.Repo, files: dict[str, str | None], message: str) -> str:
    """Write (or delete, for None) ``files`` and commit them."""
    root = Path(repo.working_tree_dir or "")
    for name, text in files.items():
        path = root / name
        if text is None:
            repo.index.remove([name], working_tree=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        repo.index.add([name])
    return str(repo.index.commit(message).hexsha)


def failed(document: dict[str, Any], *, preexisting: bool | None = None) -> set[tuple[str, str]]:
    return {(f["policy_id"], f["resource"]) for f in document["findings"]
            if f["status"] == "failed"
            and (preexisting is None or f["preexisting"] is preexisting)}


def blocking(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["policy_id"], f["resource"]) for f in document["findings"] if f["blocks_merge"]}


def no_snapshot_paths(run_out: str) -> None:
    # Temporary snapshot folders never leave the scan: every path is the repository's.
    assert "gitops-compliance-" not in run_out


# -- --staged: the index rule ------------------------------------------------------------

INDEX_CASES = [
    pytest.param(CONFIGMAP, SECRET, "ENC-05", "Secret/ml/registry", id="rego"),
    pytest.param(ROLE_READ, ROLE_WILDCARD, "CKV_K8S_49", "Role/ml/reader", id="checkov"),
]


@pytest.mark.slow  # the Checkov case loads Checkov when it runs first
@pytest.mark.parametrize(("compliant", "violating", "policy", "resource"), INDEX_CASES)
def test_staged_scans_the_index_not_the_working_copy(
        tmp_path: Path, compliant: str, violating: str, policy: str, resource: str) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, BASE_FILES)
    target = root / "k8s" / "app.yaml"

    # Compliant in the index, violating in the working copy: the commit is fine.
    target.write_text(compliant)
    repo.index.add(["k8s/app.yaml"])
    target.write_text(violating)
    run = run_cli("scan", str(root), "--staged", "-o", "json")
    assert run.code == 0, run.out + run.err
    document = run.json()
    assert (policy, resource) not in failed(document)
    assert document["scan"]["mode"] == "staged"
    assert document["scan"]["changed_files"] == ["k8s/app.yaml"]
    assert [u["files"] for u in document["scan"]["units"]] == [["k8s/app.yaml"]]

    # Violating in the index, compliant in the working copy: the commit is refused.
    repo.index.add(["k8s/app.yaml"])
    target.write_text(compliant)
    run = run_cli("scan", str(root), "--staged", "-o", "json")
    assert run.code == 1, run.out + run.err
    assert (policy, resource, "k8s/app.yaml", 1) in findings_by(run.json())
    assert run.json()["scan"]["root"] == str(root.resolve())
    no_snapshot_paths(run.out)


def test_staged_reports_only_changed_units_and_nothing_staged_is_0(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    # A violation that is already committed, in another file, is not part of this commit.
    repo = make_repo(root, {"k8s/old-secret.yaml": SECRET, **BASE_FILES})
    run = run_cli("scan", str(root), "--staged", "--no-checkov")
    assert run.code == 0
    assert "nothing staged" in run.err

    (root / "k8s" / "more.yaml").write_text(CONFIGMAP.replace("settings", "more"))
    repo.index.add(["k8s/more.yaml"])
    run = run_cli("scan", str(root), "--staged", "--no-checkov", "-o", "json")
    assert run.code == 0, run.out
    assert failed(run.json()) == set()
    # data.inventory still held the whole scope: the committed Secret was loaded.
    assert run.json()["scan"]["resource_count"] >= 1


def test_staged_new_only_baseline_is_head(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"k8s/app.yaml": SECRET})
    # Touch the file that already violates, and add a second Secret to it.
    extra = SECRET.replace("registry", "second")
    (root / "k8s" / "app.yaml").write_text(SECRET + "---\n" + extra)
    repo.index.add(["k8s/app.yaml"])
    run = run_cli("scan", str(root), "--staged", "--new-only", "--no-checkov", "-o", "json")
    assert run.code == 1
    document = run.json()
    assert failed(document, preexisting=True) == {("ENC-05", "Secret/ml/registry")}
    assert blocking(document) == {("ENC-05", "Secret/ml/second")}
    assert document["summary"]["preexisting"] == 1
    assert document["scan"]["base_commit"] == repo.head.commit.hexsha


# -- --ref ---------------------------------------------------------------------------------

def test_ref_scans_a_commit_without_checking_it_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, BASE_FILES)
    bad = commit(repo, {"k8s/app.yaml": SECRET}, "add a secret")
    good = commit(repo, {"k8s/app.yaml": CONFIGMAP.replace("settings", "app")}, "fix it")
    # The working tree holds yet another violation, which neither commit has.
    (root / "k8s" / "wip.yaml").write_text(SECRET.replace("registry", "wip"))

    run = run_cli("scan", str(root), "--ref", bad, "--no-checkov", "-o", "json")
    assert run.code == 1, run.err
    document = run.json()
    assert findings_by(document) == {("ENC-05", "Secret/ml/registry", "k8s/app.yaml", 1)}
    assert document["scan"]["commit"] == bad
    assert document["scan"]["changed_files"] is None  # every unit of the scope
    no_snapshot_paths(run.out)

    assert run_cli("scan", str(root), "--ref", good, "--no-checkov").code == 0
    assert repo.head.commit.hexsha == good and (root / "k8s" / "wip.yaml").exists()
    unknown = run_cli("scan", str(root), "--ref", "no-such-branch")
    assert unknown.code == 2 and "unknown revision" in unknown.err


def test_ref_reads_paths_that_exist_only_in_the_commit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, BASE_FILES)
    old = commit(repo, {"legacy/app.yaml": SECRET}, "legacy")
    commit(repo, {"legacy/app.yaml": None}, "remove legacy")
    run = run_cli("scan", str(root / "legacy"), "--ref", old, "--no-checkov", "-o", "json")
    assert run.code == 1, run.err
    assert findings_by(run.json()) == {("ENC-05", "Secret/ml/registry", "legacy/app.yaml", 1)}
    # A path the revision does not have is an error, not an empty, green scan.
    missing = run_cli("scan", str(root / "legacy"), "--ref", "HEAD", "--no-checkov")
    assert missing.code == 2 and "legacy: no such path in that commit" in missing.err


# -- --diff and --new-only -----------------------------------------------------------------

IAM_POLICY = """resource "aws_iam_policy" "{name}" {{
  name   = "{name}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["{action}"], Resource = "*" }}]
  }})
}}
"""


def feature_branch(root: Path, files: dict[str, str]) -> git.Repo:
    repo = make_repo(root, files)
    repo.git.checkout("-b", "feature")
    return repo


def test_new_only_fails_only_the_new_violation(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, {
        "k8s/app.yaml": SECRET,
        "infra/iam.tf": IAM_POLICY.format(name="old", action="s3:*"),
    })
    commit(repo, {
        # The old violations stay, in files the pull request touches.
        "k8s/app.yaml": "# reviewed\n" + SECRET + "---\n" + SECRET.replace("registry", "new"),
        "infra/iam.tf": IAM_POLICY.format(name="old", action="s3:*")
        + IAM_POLICY.format(name="fresh", action="kms:*"),
    }, "new violations next to old ones")

    everything = run_cli("scan", str(root), "--diff", "main", "--no-checkov", "-o", "json")
    assert everything.code == 1
    assert {("ENC-05", "Secret/ml/registry"), ("ENC-05", "Secret/ml/new"),
            ("IAM-02", "aws_iam_policy.old"), ("IAM-02", "aws_iam_policy.fresh")} <= \
        blocking(everything.json())

    run = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov", "-o",
                  "json")
    assert run.code == 1
    document = run.json()
    assert {("ENC-05", "Secret/ml/new"), ("IAM-02", "aws_iam_policy.fresh")} <= blocking(document)
    assert ("IAM-02", "aws_iam_policy.old") in failed(document, preexisting=True)
    assert ("ENC-05", "Secret/ml/registry") in failed(document, preexisting=True)
    assert not any(f["preexisting"] and f["blocks_merge"] for f in document["findings"])
    assert document["scan"]["base_commit"] == repo.git.merge_base("main", "HEAD")
    # The old ones are still shown, as pre-existing, in the text report.
    text = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov")
    assert "Pre-existing findings" in text.out
    assert "old ENC-05  Secret/ml/registry  k8s/app.yaml:" in text.out


def test_new_only_with_only_old_violations_passes_and_still_reports_them(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, {"k8s/app.yaml": SECRET})
    commit(repo, {"k8s/app.yaml": "# a comment moves the object down\n\n" + SECRET}, "touch")
    run = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov", "-o",
                  "json")
    assert run.code == 0, run.out
    finding = next(f for f in run.json()["findings"] if f["policy_id"] == "ENC-05")
    assert (finding["preexisting"], finding["blocks_merge"], finding["line"]) == (True, False, 3)


def test_renaming_files_creates_no_new_findings(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, {
        "k8s/app.yaml": SECRET,
        "infra/main.tf": IAM_POLICY.format(name="old", action="s3:*"),
    })
    repo.git.mv("k8s/app.yaml", "k8s/registry-secret.yaml")
    repo.git.mv("infra/main.tf", "infra/iam.tf")
    repo.index.commit("rename files")
    run = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov", "-o",
                  "json")
    assert run.code == 0, run.out
    document = run.json()
    assert {("ENC-05", "Secret/ml/registry"), ("IAM-02", "aws_iam_policy.old")} <= \
        failed(document, preexisting=True)
    assert failed(document, preexisting=False) == set()
    assert {"k8s/registry-secret.yaml", "k8s/app.yaml"} <= set(document["scan"]["changed_files"])
    files = {f["file"] for f in document["findings"]}
    assert {"k8s/registry-secret.yaml", "infra/iam.tf"} <= files


def test_a_second_copy_of_an_old_violation_in_another_file_is_new(tmp_path: Path) -> None:
    # Both copies share one fingerprint (same unit "kubernetes", same address): matching by
    # count, same file first, keeps the prod copy from hiding behind the dev one.
    root = tmp_path / "repo"
    repo = feature_branch(root, {"envs/dev/app.yaml": SECRET})
    commit(repo, {"envs/dev/app.yaml": "# touched\n" + SECRET,
                  "envs/prod/app.yaml": SECRET}, "promote to prod")
    run = run_cli("scan", str(root), "--diff", "main", "--new-only", "--no-checkov", "-o",
                  "json")
    assert run.code == 1
    by_file = {f["file"]: f["preexisting"] for f in run.json()["findings"]
               if f["policy_id"] == "ENC-05"}
    assert by_file == {"envs/dev/app.yaml": True, "envs/prod/app.yaml": False}


@pytest.mark.slow
def test_diff_with_checkov_reports_repository_paths(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, BASE_FILES)
    commit(repo, {"k8s/role.yaml": ROLE_WILDCARD}, "a wildcard role")
    (root / "k8s" / "role.yaml").write_text(ROLE_READ)  # the working tree is not scanned
    run = run_cli("scan", str(root), "--diff", "main", "-o", "json")
    assert run.code == 1, run.err
    assert ("CKV_K8S_49", "Role/ml/reader", "k8s/role.yaml", 1) in findings_by(run.json())
    no_snapshot_paths(run.out)


def test_shallow_clone_without_a_merge_base_is_exit_2(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    repo = feature_branch(origin, BASE_FILES)
    commit(repo, {"k8s/a.yaml": CONFIGMAP.replace("settings", "a")}, "one")
    commit(repo, {"k8s/b.yaml": CONFIGMAP.replace("settings", "b")}, "two")
    clone = git.Repo.clone_from(origin.as_uri(), tmp_path / "clone", depth=1, branch="feature")
    clone.git.fetch("--depth", "1", "origin", "main:main")
    run = run_cli("scan", str(tmp_path / "clone"), "--diff", "main", "--no-checkov")
    assert run.code == 2
    assert "merge-base not found" in run.err and "shallow" in run.err
    assert run.out == ""


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, BASE_FILES)
    assert run_cli("scan", str(root), "--ref", "HEAD", "--new-only").code == 2
    assert run_cli("scan", str(root), "--new-only").code == 2
    assert run_cli("scan", str(root), "--staged", "--diff", "main").code == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    outside = run_cli("scan", str(plain), "--staged")
    assert outside.code == 2 and "not inside a git repository" in outside.err
    # Every path must lie in the first path's repository, in every mode.
    elsewhere = run_cli("scan", str(root), str(plain), "--ref", "HEAD")
    assert elsewhere.code == 2
    assert f"{plain}: outside the repository {root}" in elsewhere.err
    worktree = run_cli("scan", str(root), str(plain))
    assert worktree.code == 2
    assert (f"{plain}: outside the scan root {root} (scan one repository at a time)"
            in worktree.err)


# -- governance: a pull request cannot relax its own gate ----------------------------------

TEAM_POLICY = """# METADATA
# title: No ConfigMap named forbidden
# scope: package
# custom:
#   id: TEAM-01
#   severity: high
#   family: custom
#   controls: []
#   applies_to: [ConfigMap]
#   remediation: Rename it.
package team.forbidden

deny contains {"msg": "forbidden ConfigMap", "resource": r.address} if {
	some r in input.resources
	r.type == "ConfigMap"
	r.name == "forbidden"
}
"""
NEUTERED_POLICY = TEAM_POLICY.replace('r.name == "forbidden"', 'r.name == "never-used"')
WAIVERS = """waivers:
  - id: W-1
    policies: [ENC-05]
    scope: {paths: ["k8s/**"]}
    reason: the PR waives itself
    owner: dev
    approver: dev
    approved_on: 2026-11-01
    ticket: CHG-1
    expires: 2026-12-31
"""

BASE_CONFIG = "fail_on: high\npolicies: [policies/team]\n"
GOVERNANCE_CASES = [
    pytest.param({".gitops-compliance.yaml": "fail_on: none\npolicies: [policies/team]\n"},
                 ("config", "modified"), ("ENC-05", "Secret/ml/registry"), id="lower-fail-on"),
    pytest.param({".gitops-compliance.yaml": BASE_CONFIG + "exclude:\n"
                  "  - {path: k8s/app.yaml, reason: not mine}\n"},
                 ("config", "modified"), ("ENC-05", "Secret/ml/registry"),
                 id="exclude-own-violation"),
    pytest.param({".gitops-compliance/waivers.yaml": WAIVERS}, ("waivers", "added"),
                 ("ENC-05", "Secret/ml/registry"), id="add-waiver"),
    pytest.param({"policies/team/forbidden.rego": NEUTERED_POLICY}, ("policies", "modified"),
                 ("TEAM-01", "ConfigMap/ml/forbidden"), id="neuter-team-policy"),
]


def governed_repo(root: Path, relax: dict[str, str]) -> git.Repo:
    repo = feature_branch(root, {".gitops-compliance.yaml": BASE_CONFIG,
                                 "policies/team/forbidden.rego": TEAM_POLICY, **BASE_FILES})
    violation = SECRET + "---\n" + CONFIGMAP.replace("settings", "forbidden")
    commit(repo, {**relax, "k8s/app.yaml": violation}, "relax the gate")
    return repo


@pytest.mark.parametrize(("relax", "change", "still_fails"), GOVERNANCE_CASES)
def test_a_pull_request_cannot_relax_its_own_gate(
        tmp_path: Path, relax: dict[str, str], change: tuple[str, str],
        still_fails: tuple[str, str]) -> None:
    root = tmp_path / "repo"
    governed_repo(root, relax)
    run = run_cli("scan", str(root), "--diff", "main", "--no-checkov", "-o", "json")
    assert run.code == 1, run.out + run.err
    document = run.json()
    assert still_fails in blocking(document)
    assert ("ENC-05", "Secret/ml/registry", "k8s/app.yaml", 1) in findings_by(document)
    path = next(iter(relax))
    assert document["scan"]["governance_changes"] == [
        {"kind": change[0], "status": change[1], "path": path, "old_path": ""}]
    text = run_cli("scan", str(root), "--diff", "main", "--no-checkov")
    assert "Governance changes (1)" in text.out
    assert f"{change[0]}: {change[1]} {path}" in text.out


def test_the_merge_bases_waivers_file_is_named_as_the_repository_names_it(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, {".gitops-compliance/waivers.yaml": WAIVERS, **BASE_FILES})
    commit(repo, {"k8s/app.yaml": SECRET}, "a secret")
    run = run_cli("scan", str(root), "--diff", "main", "--no-checkov", "-o", "json")
    assert run.json()["waivers"]["file"] == ".gitops-compliance/waivers.yaml"
    text = run_cli("scan", str(root), "--diff", "main", "--no-checkov")
    assert "gitops-compliance-" not in text.out  # never the private snapshot folder


def test_governance_changes_take_effect_once_merged(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = governed_repo(root, {".gitops-compliance.yaml":
                                "fail_on: none\npolicies: [policies/team]\n"})
    assert run_cli("scan", str(root), "--diff", "main", "--no-checkov").code == 1
    repo.git.checkout("main")
    repo.git.merge("--ff-only", "feature")
    # On main after the merge, the lowered threshold is the governing config.
    assert run_cli("scan", str(root), "--ref", "HEAD", "--no-checkov").code == 0
    assert run_cli("scan", str(root), "--diff", "HEAD~1", "--no-checkov").code == 1


# -- data.inventory: the whole scope at the scanned revision --------------------------------

NAMESPACE_POLICY = """# METADATA
# title: ConfigMaps live in a declared namespace
# scope: package
# custom:
#   id: TEAM-02
#   severity: high
#   family: custom
#   controls: []
#   applies_to: [ConfigMap]
#   remediation: Declare the namespace.
package team.namespaces

declared contains ns.name if {
	some ns in data.inventory.kubernetes
	ns.type == "Namespace"
}

deny contains {"msg": "namespace not declared", "resource": r.address} if {
	some r in input.resources
	r.type == "ConfigMap"
	not declared[r.namespace]
}
"""


def test_whole_repository_rules_see_the_scope_and_only_changes_are_reported(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {
        "k8s/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ml}\n",
        "k8s/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n",
        "k8s/orphan.yaml": CONFIGMAP.replace("namespace: ml", "namespace: gone"),
    })
    policies = tmp_path / "team"
    policies.mkdir()
    (policies / "namespaces.rego").write_text(NAMESPACE_POLICY)
    (root / "k8s" / "app.yaml").write_text(CONFIGMAP.replace("settings", "app")
                                           + "---\n" + CONFIGMAP.replace("namespace: ml",
                                                                         "namespace: other"))
    repo.index.add(["k8s/app.yaml"])

    # No policy reads data.inventory (the built-in library does: it is left out here): only
    # the changed file is read; the broken, unchanged file is not this commit's problem.
    local = tmp_path / "local"
    local.mkdir()
    (local / "forbidden.rego").write_text(TEAM_POLICY)
    (tmp_path / "no-inventory.yaml").write_text(
        f"builtin_policies: false\npolicies: [{local}]\n")
    plain = run_cli("scan", str(root), "--staged", "--no-checkov", "--config",
                    str(tmp_path / "no-inventory.yaml"), "-o", "json")
    assert plain.code == 0, plain.out
    assert plain.json()["errors"] == []

    # A policy reads it: every unit of the scope is loaded (so the broken file makes the
    # scan incomplete), the Namespace in an unchanged file is seen, and only the changed
    # file's objects are reported (orphan.yaml fails too, but was not changed).
    run = run_cli("scan", str(root), "--staged", "--no-checkov", "--policies", str(policies),
                  "-o", "json")
    assert run.code == 3, run.out
    document = run.json()
    assert findings_by(document) == {("TEAM-02", "ConfigMap/other/settings", "k8s/app.yaml", 6)}
    assert [(e["code"], e["file"]) for e in document["errors"]] == [
        ("parse-error", "k8s/broken.yaml")]


def test_explicit_config_and_policy_dirs_inside_the_repository_come_from_the_merge_base(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = feature_branch(root, {"gate.yaml": "fail_on: high\n",
                                 "policies/team/forbidden.rego": TEAM_POLICY, **BASE_FILES})
    commit(repo, {"gate.yaml": "fail_on: none\n",
                  "policies/team/forbidden.rego": NEUTERED_POLICY,
                  "k8s/app.yaml": CONFIGMAP.replace("settings", "forbidden")}, "relax")
    run = run_cli("scan", str(root), "--diff", "main", "--no-checkov", "--config",
                  str(root / "gate.yaml"), "--policies", str(root / "policies" / "team"),
                  "-o", "json")
    assert run.code == 1, run.out + run.err
    document = run.json()
    assert blocking(document) == {("TEAM-01", "ConfigMap/ml/forbidden")}
    assert {(g["kind"], g["path"]) for g in document["scan"]["governance_changes"]} == {
        ("config", "gate.yaml"), ("policies", "policies/team/forbidden.rego")}
    # The working tree (the PR's version) would have passed: the merge-base's files decided.
    assert run_cli("scan", str(root), "--no-checkov", "--config", str(root / "gate.yaml"),
                   "--policies", str(root / "policies" / "team")).code == 0
