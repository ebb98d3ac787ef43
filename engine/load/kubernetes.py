"""Load Kubernetes manifests into Resources (DESIGN.md §3, §5).

YAML (multi-document) and JSON files; ``List`` kinds are unpacked; each object keeps the
line it starts on. A document that is not a Kubernetes object (no ``apiVersion``/``kind``:
a CI config, a values file) is ignored quietly. A file that does not parse is an error with
its line; the other files still load. Secrets are redacted here, before a Resource exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.limits import (
    BINARY_CODE,
    LIMIT_CODE,
    LimitExceeded,
    NotReadable,
    binary_problem,
    check_json_depth,
    read_limited,
)
from engine.load.redact import redact_kubernetes_object
from engine.load.yaml_loader import StrictLoader
from engine.model import Resource, ScanError

# A constructor that rejects a value (``!!int hunter2``) raises these, not YAMLError; their
# text quotes the value, so only the node's line is kept.
_CONSTRUCT_ERRORS = (ValueError, TypeError, KeyError, OverflowError, RecursionError)

UNIT = "kubernetes"

# Kinds without a namespace (core and the add-ons a GPU platform runs: Kueue, cert-manager).
CLUSTER_SCOPED_KINDS = frozenset({
    "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterIssuer",
    "ClusterPolicy", "ClusterQueue", "ClusterRole", "ClusterRoleBinding", "ComponentStatus",
    "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration",
    "Namespace", "Node", "PersistentVolume", "PodSecurityPolicy", "PriorityClass",
    "PriorityLevelConfiguration", "ResourceFlavor", "RuntimeClass", "StorageClass",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration", "VolumeAttachment", "VolumeSnapshotClass",
})


@dataclass(frozen=True)
class LoadResult:
    resources: tuple[Resource, ...]
    errors: tuple[ScanError, ...]
    object_files: tuple[str, ...]  # files that held at least one Kubernetes object


def load_manifests(root: Path, files: Sequence[str]) -> LoadResult:
    resources: list[Resource] = []
    errors: list[ScanError] = []
    object_files: list[str] = []
    for name in files:
        found, problems = load_file(root, name)
        resources.extend(found)
        errors.extend(problems)
        if found:
            object_files.append(name)
    return LoadResult(tuple(resources), tuple(errors), tuple(object_files))


def yaml_loader() -> type[yaml.SafeLoader]:
    """The loader manifests are read with (JSON types only, duplicate keys rejected)."""
    return StrictLoader


def load_file(root: Path, name: str) -> tuple[list[Resource], list[ScanError]]:
    try:
        raw = read_limited(root / name)
    except (LimitExceeded, NotReadable) as exc:
        return [], [ScanError(exc.code, exc.message, name, 0, UNIT)]
    except OSError as exc:
        return [], [ScanError("read-error", f"cannot read: {exc.strerror or exc}", name, 0, UNIT)]
    problem = binary_problem(raw)
    if problem:
        return [], [ScanError(BINARY_CODE, f"{problem}: not parsed as text", name, 0, UNIT)]
    return load_text(raw.decode("utf-8"), name)


def load_text(text: str, name: str,
              prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
              ) -> tuple[list[Resource], list[ScanError]]:
    """The objects of one manifest text; ``name`` is the file they are attributed to.
    ``prepare`` may adjust each object before it becomes a Resource (rendered charts set the
    release namespace, as an install does)."""
    documents = _json_documents(text) if name.endswith(".json") else _yaml_documents(text)
    resources: list[Resource] = []
    errors: list[ScanError] = []
    try:
        for line, document in documents:
            for obj_line, obj in _objects(document, line):
                if prepare is not None:
                    obj = prepare(obj)
                resource, problem = _to_resource(obj, name, obj_line)
                if resource is not None:
                    resources.append(resource)
                if problem is not None:
                    errors.append(problem)
    except _ParseFailure as failure:
        errors.append(ScanError(failure.code, failure.message, name, failure.line, UNIT))
    return resources, errors


def raw_object(root: Path, name: str, line: int, kind: str) -> Mapping[str, Any] | None:
    """The ``kind`` object at ``name:line`` as written, secrets included — only for the one
    consumer that must see what redaction hides: a GitOps descriptor's inline Helm values,
    which are rendered (engine/load/helm/descriptors.py). Never for a Resource."""
    try:
        text = (root / name).read_text(encoding="utf-8")
        documents = _json_documents(text) if name.endswith(".json") else _yaml_documents(text)
        for start, document in documents:
            for obj_line, obj in _objects(document, start):
                if obj_line == line and obj.get("kind") == kind:
                    return obj
    except (OSError, UnicodeDecodeError, _ParseFailure):
        return None
    return None


class _ParseFailure(Exception):
    def __init__(self, message: str, line: int, code: str = "parse-error") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


def _yaml_documents(text: str) -> Iterator[tuple[int, _Located]]:
    """(start line, document with item lines) for each YAML document, lazily."""
    loader = StrictLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            try:
                value = loader.construct_document(node)
            except _CONSTRUCT_ERRORS as exc:
                raise _ParseFailure(f"invalid YAML: a value does not match its type tag or "
                                    f"nesting is too deep ({type(exc).__name__}); the document "
                                    "was not scanned", line) from None
            yield line, _Located(value, node)
    except LimitExceeded as exc:
        raise _ParseFailure(exc.message, exc.line, LIMIT_CODE) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark is not mark:
            context = f"{context} started at line {context_mark.line + 1}"
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        raise _ParseFailure(message, mark.line + 1 if mark is not None else 0) from None
    finally:
        loader.dispose()


def _json_documents(text: str) -> Iterator[tuple[int, _Located]]:
    """JSON is validated by the JSON parser, then read through YAML (a superset for every
    JSON document json.loads accepts but tab-indented ones) to know each object's line."""
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _ParseFailure(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise _ParseFailure("invalid JSON: nesting is too deep", 0) from None
    try:
        check_json_depth(value)
    except LimitExceeded as exc:
        raise _ParseFailure(exc.message, 0, LIMIT_CODE) from None
    try:
        yield from _yaml_documents(text)
    except _ParseFailure:
        yield 1, _Located(value, None)


@dataclass(frozen=True)
class _Located:
    """A constructed document and, for YAML, the node it came from (to find item lines)."""

    value: Any
    node: yaml.Node | None

    def item_lines(self) -> list[int]:
        """Start lines of ``items[*]`` of a List document, where known."""
        if not isinstance(self.node, yaml.MappingNode):
            return []
        for key, value in self.node.value:
            if getattr(key, "value", None) == "items" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
        return []


def _objects(document: _Located, line: int) -> Iterator[tuple[int, Mapping[str, Any]]]:
    value = document.value
    if not isinstance(value, Mapping) or not isinstance(value.get("kind"), str):
        return
    kind = value["kind"]
    items = value.get("items")
    if isinstance(items, list) and (kind == "List" or kind.endswith("List")):
        lines = document.item_lines()
        for index, item in enumerate(items or []):
            if _is_object(item):
                yield (lines[index] if index < len(lines) else line), item
        return
    if _is_object(value):
        yield line, value


def _is_object(value: Any) -> bool:
    """A Kubernetes object has apiVersion, kind and metadata. Tool configs that borrow the
    first two (kind's ``kind: Cluster``, skaffold's ``kind: Config``) have no metadata."""
    return (isinstance(value, Mapping) and isinstance(value.get("apiVersion"), str)
            and isinstance(value.get("kind"), str) and bool(value["kind"])
            and isinstance(value.get("metadata"), Mapping))


def _to_resource(obj: Mapping[str, Any], file: str,
                 line: int) -> tuple[Resource | None, ScanError | None]:
    kind = str(obj["kind"])
    metadata = obj["metadata"]
    name = metadata.get("name")
    if not (isinstance(name, str) and name):
        # generateName objects (Argo hooks, Jobs created per sync) get their name on creation.
        prefix = metadata.get("generateName")
        name = f"{prefix}*" if isinstance(prefix, str) and prefix else None
    if name is None:
        return None, ScanError("invalid-object", f"{kind} object without metadata.name or "
                               "metadata.generateName: Kubernetes would reject it, so it was "
                               "not scanned", file, line, UNIT)
    raw_namespace = metadata.get("namespace")
    namespace = str(raw_namespace) if raw_namespace else None
    if kind in CLUSTER_SCOPED_KINDS:
        address = f"{kind}/{name}"
        namespace = None
    else:
        # Unset means "the namespace kubectl targets": Checkov calls it "default" too, which
        # keeps the two engines' addresses equal.
        address = f"{kind}/{namespace or 'default'}/{name}"
    config = redact_kubernetes_object(obj)
    return Resource(
        address=address, kind="kubernetes", type=kind, name=name, file=file, line=line,
        config=config,
        extra={"api_version": str(obj["apiVersion"]), "namespace": namespace},
    ), None
