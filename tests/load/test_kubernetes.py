from __future__ import annotations

from pathlib import Path

from engine.load.kubernetes import load_file, load_manifests


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text)
    return name


def test_multi_document_yaml_keeps_each_objects_line(tmp_path: Path) -> None:
    name = write(tmp_path, "apps.yaml", (
        "# leading comment\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n"
        "---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ml\n"
        "---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ro\n"
        "---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nons\n"))
    resources, errors = load_file(tmp_path, name)
    assert errors == []
    assert [(r.address, r.line) for r in resources] == [
        ("Namespace/ml", 2), ("Deployment/ml/web", 7), ("ClusterRole/ro", 13),
        ("ConfigMap/default/nons", 18)]
    assert resources[3].extra["namespace"] is None
    assert resources[1].extra == {"api_version": "apps/v1", "namespace": "ml"}


def test_list_kinds_are_unpacked_with_item_lines(tmp_path: Path) -> None:
    name = write(tmp_path, "list.yaml", (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Service\n    metadata: {name: a, namespace: x}\n"
        "  - apiVersion: v1\n    kind: Service\n    metadata: {name: b, namespace: x}\n"))
    resources, errors = load_file(tmp_path, name)
    assert errors == []
    assert [(r.address, r.line) for r in resources] == [("Service/x/a", 4), ("Service/x/b", 7)]


def test_json_manifest(tmp_path: Path) -> None:
    name = write(tmp_path, "pod.json",
                 '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}')
    resources, errors = load_file(tmp_path, name)
    assert (errors, [r.address for r in resources]) == ([], ["Pod/default/p"])


def test_non_kubernetes_yaml_is_ignored_quietly(tmp_path: Path) -> None:
    name = write(tmp_path, ".github/workflows/ci.yml", "on: push\njobs: {}\n")
    assert load_file(tmp_path, name) == ([], [])


def test_broken_yaml_is_an_error_with_line_and_earlier_documents_survive(tmp_path: Path) -> None:
    name = write(tmp_path, "bad.yaml", (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"))
    resources, errors = load_file(tmp_path, name)
    assert [r.address for r in resources] == ["Namespace/ok"]
    assert len(errors) == 1
    assert (errors[0].code, errors[0].file, errors[0].line) == ("parse-error", "bad.yaml", 10)
    assert "invalid YAML" in errors[0].message


def test_broken_json_is_an_error_with_line(tmp_path: Path) -> None:
    name = write(tmp_path, "bad.json", '{\n  "apiVersion": "v1",\n  "kind": }\n')
    resources, errors = load_file(tmp_path, name)
    assert resources == []
    assert (errors[0].line, errors[0].code) == (3, "parse-error")


def test_object_without_name_is_reported(tmp_path: Path) -> None:
    name = write(tmp_path, "anon.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    resources, errors = load_file(tmp_path, name)
    assert resources == []
    assert errors[0].code == "invalid-object" and errors[0].line == 1


def test_secret_values_are_redacted_at_load_time(tmp_path: Path) -> None:
    name = write(tmp_path, "s.yaml", (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: a\n  annotations:\n"
        "    kubectl.kubernetes.io/last-applied-configuration: "
        "'{\"data\":{\"k\":\"dG9wc2VjcmV0\"}}'\n"
        "data:\n  k: dG9wc2VjcmV0\nstringData:\n  pw: plain-secret\n"))
    resources, _ = load_file(tmp_path, name)
    config = resources[0].config
    assert config["data"] == {"k": {"$redacted": True}}
    assert config["stringData"] == {"pw": {"$redacted": True}}
    assert "dG9wc2VjcmV0" not in repr(resources[0])
    assert "plain-secret" not in repr(resources[0])


def test_load_manifests_lists_files_that_hold_objects(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    b = write(tmp_path, "b.yaml", "just: config\n")
    result = load_manifests(tmp_path, [a, b])
    assert result.object_files == ("a.yaml",)


def test_values_are_json_types_as_the_api_server_reads_them(tmp_path: Path) -> None:
    name = write(tmp_path, "cm.yaml", (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n"
        "    released: 2024-01-01T10:00:00Z\n    day: 2024-01-01\n"
        "binaryData:\n  blob: !!binary aGVsbG8=\n"))
    resources, errors = load_file(tmp_path, name)
    assert errors == []
    config = resources[0].config
    assert config["metadata"]["annotations"] == {"released": "2024-01-01T10:00:00Z",
                                                 "day": "2024-01-01"}
    assert config["binaryData"] == {"blob": "aGVsbG8="}


def test_a_value_that_breaks_its_tag_is_an_error_without_the_value(tmp_path: Path) -> None:
    name = write(tmp_path, "s.yaml", (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: fine}\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
        "stringData:\n  password: !!int hunter2SECRET\n"))
    resources, errors = load_file(tmp_path, name)
    assert [r.address for r in resources] == ["Namespace/fine"]
    assert [(e.code, e.file, e.line) for e in errors] == [("parse-error", "s.yaml", 5)]
    assert "hunter2SECRET" not in errors[0].message


def test_json_objects_keep_their_lines(tmp_path: Path) -> None:
    name = write(tmp_path, "list.json", (
        '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n'
        '    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},\n'
        '    {\n      "apiVersion": "v1",\n      "kind": "Namespace",\n'
        '      "metadata": {"name": "b"}\n    }\n  ]\n}\n'))
    resources, errors = load_file(tmp_path, name)
    assert errors == []
    assert [(r.address, r.line) for r in resources] == [("Namespace/a", 5), ("Namespace/b", 6)]


def test_tool_configs_borrowing_apiversion_and_kind_are_not_objects(tmp_path: Path) -> None:
    name = write(tmp_path, "kind-config.yaml", (
        "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes:\n  - role: control-plane\n"))
    assert load_file(tmp_path, name) == ([], [])


def test_generate_name_objects_are_scanned(tmp_path: Path) -> None:
    name = write(tmp_path, "hook.yaml", (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: db-migrate-\n"
        "  namespace: app\n"))
    resources, errors = load_file(tmp_path, name)
    assert (errors, [r.address for r in resources]) == ([], ["Job/app/db-migrate-*"])


def test_duplicate_keys_are_an_error_at_their_line(tmp_path: Path) -> None:
    name = write(tmp_path, "dup.yaml", (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n"
        "  hostNetwork: false\n  hostNetwork: true\n"))
    resources, errors = load_file(tmp_path, name)
    assert resources == []
    assert [(e.code, e.line) for e in errors] == [("parse-error", 8)]
    assert "duplicate key 'hostNetwork'" in errors[0].message


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    name = write(tmp_path, "merge.yaml", (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n"
        "  annotations: &b {app: web, tier: x}\n  labels:\n"
        "    <<: *b\n    tier: y\n"))
    resources, errors = load_file(tmp_path, name)
    assert errors == []
    assert resources[0].config["metadata"]["labels"] == {"app": "web", "tier": "y"}
