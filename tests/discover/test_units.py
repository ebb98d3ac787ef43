from __future__ import annotations

from pathlib import Path

from engine.config import Exclusion
from engine.discover.units import discover
from engine.model import UnitKind

FILES = {
    "infra/storage/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
    "infra/storage/terraform.tfvars": 'env = "prod"\n',
    "infra/storage/prod.auto.tfvars": 'x = 1\n',
    "infra/iam/main.tf": "",
    "infra/iam/terraform.tfvars.json": '{"x": 1}',
    "infra/json-only/main.tf.json": '{"resource": {}}',
    "only-vars/terraform.tfvars": "a = 1\n",
    "k8s/app.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    "k8s/app.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "j"}}',
    "plans/prod.json": ('{"format_version": "1.2", "terraform_version": "1.9.0", '
                        '"planned_values": {}}'),
    "package.json": '{"name": "not-iac"}',
    "tsconfig.json": '{\n  // comments make this invalid JSON, but it is not IaC\n}',
    "k8s/broken.json": '{"apiVersion": "v1", "kind": ',
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
    "charts/api/values.yaml": "replicas: 1\n",
    "charts/api/templates/deploy.yaml": "kind: {{ .Values.kind }}\n",
    "charts/api/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    "overlays/prod/kustomization.yaml": "resources: [../../k8s]\n",
    "overlays/prod/patch.yaml": "kind: Deployment\nspec: {replicas: 3}\n",
    "overlays/prod/patches/replicas.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n"),
    "k8s/late-kind.json": ('{"metadata": {"name": "s", "annotations": {"a": "' + "x" * 5000
                           + '"}}, "apiVersion": "v1", "kind": "Secret"}'),
    "vendor/skip.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: v}\n",
}


def tree(tmp_path: Path) -> list[str]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return sorted(FILES)


def test_units_by_kind(tmp_path: Path) -> None:
    files = tree(tmp_path)
    found = discover(tmp_path, files, [""], [Exclusion("vendor/**", "third-party manifests")])
    units = {(u.kind, u.identity): u.files for u in found.units}
    assert units[(UnitKind.TERRAFORM, "infra/storage")] == (
        "infra/storage/main.tf", "infra/storage/prod.auto.tfvars",
        "infra/storage/terraform.tfvars")
    assert units[(UnitKind.TERRAFORM, "infra/iam")] == (
        "infra/iam/main.tf", "infra/iam/terraform.tfvars.json")
    # Not supported yet, so handed to the loader, which reports it: never silently dropped.
    assert units[(UnitKind.TERRAFORM, "infra/json-only")] == ("infra/json-only/main.tf.json",)
    assert units[(UnitKind.TERRAFORM_PLAN, "plans/prod.json")] == ("plans/prod.json",)
    # broken.json goes to the loader, which reports the parse error with its line.
    # late-kind.json: apiVersion/kind after 4 KB of metadata are still found.
    assert units[(UnitKind.KUBERNETES, "kubernetes")] == (
        "k8s/app.json", "k8s/app.yaml", "k8s/broken.json", "k8s/late-kind.json")
    assert not any(k == (UnitKind.TERRAFORM, "only-vars") for k in units)
    assert found.excluded == (("vendor/skip.yaml", "third-party manifests"),)


def test_charts_are_helm_units_and_kustomize_is_reported_not_rendered(tmp_path: Path) -> None:
    found = discover(tmp_path, tree(tmp_path), [""], [])
    not_rendered = {(e.file, e.unit) for e in found.errors if e.code == "not-rendered"}
    assert not_rendered == {("overlays/prod/kustomization.yaml", "kustomize:overlays/prod")}
    # The subchart belongs to its parent chart: one chart, rendered with its defaults.
    helm = [u for u in found.units if u.kind is UnitKind.HELM]
    assert [(u.identity, u.directory) for u in helm] == [("chart:charts/api@defaults",
                                                          "charts/api")]
    assert "charts/api/charts/sub/Chart.yaml" in helm[0].files
    assert found.values_sets["chart:charts/api@defaults"].files == ()
    manifest_files = [f for u in found.units if u.kind is UnitKind.KUBERNETES for f in u.files]
    # Patches in subfolders of a Kustomize folder are not objects either.
    assert not any(f.startswith(("charts/", "overlays/")) for f in manifest_files)


def test_a_file_in_scope_expands_to_its_module(tmp_path: Path) -> None:
    found = discover(tmp_path, tree(tmp_path), ["infra/storage/main.tf"], [])
    assert [(u.identity, len(u.files)) for u in found.units] == [("infra/storage", 3)]


def test_scope_limits_units(tmp_path: Path) -> None:
    found = discover(tmp_path, tree(tmp_path), ["k8s"], [])
    assert [u.identity for u in found.units] == ["kubernetes"]
    assert found.errors == ()
