"""Checkov's Kubernetes runner on an explicit list of plain manifest files.

Importing this module loads Checkov (through ``offline.load_checkov``, so offline).

Two things Checkov does quietly are made visible here:

* ``checkov.io/skip*`` annotations: collected and removed before the checks run, so every
  check reports its real result (the engine decides what a skip means, DESIGN.md §6);
* objects it drops: a file that is not valid YAML/JSON, a file with Helm template
  expressions, a Kubernetes object its validator rejects (a ``name`` field with ``#{}`` or
  not a string, no ``metadata``, neither a name nor labels) — each becomes a parse error
  naming the file and line, found by re-reading the file with Checkov's own criteria.
  Documents that are not Kubernetes objects at all (no ``apiVersion``/``kind``) are ignored,
  as the Kubernetes loader ignores them.
"""

# ruff: noqa: E402  (Checkov may only be imported after load_checkov() has pinned its environment)
from __future__ import annotations

from engine.evaluate.checkov.offline import load_checkov

load_checkov("kubernetes")

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from checkov.common.graph.graph_builder.graph_components.attribute_names import CustomAttributes
from checkov.common.models.enums import CheckResult as CheckovResult
from checkov.common.output.record import Record
from checkov.common.typing import _EntityContext
from checkov.kubernetes.kubernetes_utils import (
    PARENT_RESOURCE_ID_KEY_NAME,
    SKIP_ANNOTATION_PREFIXES,
    get_resource_id,
    is_invalid_k8_definition,
)
from checkov.kubernetes.parser.validatior import K8sValidator
from checkov.kubernetes.runner import Runner as CheckovKubernetesRunner
from checkov.runner_filter import RunnerFilter

from engine.evaluate.checkov.mapping import (
    KUBERNETES_UNIT,
    CheckResult,
    Outcome,
    RenderedObject,
    kubernetes_address,
)
from engine.model import ScanError

try:  # libyaml: the audit re-reads every manifest, keep it cheap
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

try:
    _Dumper: type[yaml.SafeDumper] = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Dumper = yaml.SafeDumper

# Checkov's k8_yaml.load drops a whole file that matches one of these (it is a Helm template).
_HELM_TEMPLATE = (re.compile(r"\{\{-?\s*\.Release\."), re.compile(r"\{\{-?\s*\.Values\."))


@dataclass
class KubernetesScan:
    results: list[CheckResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


class _Runner(CheckovKubernetesRunner):  # type: ignore[misc]  # Checkov is Any to mypy
    def __init__(self) -> None:
        super().__init__()
        self.inline_skips: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self.nested_parents: dict[tuple[str, str], str] = {}

    def spread_list_items(self) -> None:
        # Called once the definitions and their context exist and before the graph is built
        # or any check runs: the place to take the skips out.
        super().spread_list_items()
        for file, resources in (self.context or {}).items():
            for resource_id, context in resources.items():
                skipped = context.get("skipped_checks") if isinstance(context, dict) else None
                if skipped:
                    self.inline_skips[(os.path.abspath(file), resource_id)] = tuple(
                        (str(s.get("id", "")), str(s.get("suppress_comment", ""))) for s in skipped
                    )
                    context["skipped_checks"] = []
        for entities in self.definitions.values():
            for entity in entities:
                _strip_skip_annotations(entity)

    def get_entity_context(self, entity: dict[str, Any], entity_file_path: str) -> _EntityContext:
        # Graph checks see a workload's pod as a nested "Pod.<ns>.<parent>.<labels>" entity;
        # remember its parent so the finding names the object a user can fix.
        parent = entity.get(PARENT_RESOURCE_ID_KEY_NAME)
        if isinstance(parent, str):
            key = (os.path.abspath(entity_file_path), str(entity.get(CustomAttributes.ID)))
            self.nested_parents[key] = parent
        return super().get_entity_context(entity, entity_file_path)


def _strip_skip_annotations(entity: Any) -> None:
    metadata = entity.get("metadata") if isinstance(entity, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    # Checkov has already turned an annotation mapping into a list of mappings by now.
    groups = annotations if isinstance(annotations, list) else [annotations]
    for group in groups:
        if isinstance(group, dict):
            for key in [k for k in group if isinstance(k, str)]:
                if any(prefix in key for prefix in SKIP_ANNOTATION_PREFIXES):
                    del group[key]


def scan_kubernetes(
    root: Path, files: Sequence[str], skip_check_ids: Sequence[str],
    rendered: Sequence[RenderedObject] = (),
    origins: dict[str, tuple[str, str]] | None = None,
) -> KubernetesScan:
    """Check plain manifest ``files`` and ``rendered`` chart objects. Rendered objects are
    written one per file into a private temporary folder (removed afterwards); ``origins``
    receives temporary path -> (template file, unit) so that nothing leaves this function,
    or the caller's log, with a temporary path."""
    if origins is None:
        origins = {}
    with tempfile.TemporaryDirectory(prefix="gitops-compliance-helm-") as folder:
        objects: dict[str, RenderedObject] = {}
        for index, obj in enumerate(rendered):
            plain = _plain(obj.config)
            text = yaml.dump(plain, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
            suffix = ".yaml"
            if any(pattern.search(text) for pattern in _HELM_TEMPLATE):
                # Rendered text that quotes "{{ .Values.x }}" (a dashboard, a template for
                # another tool) would make Checkov drop a YAML file as a Helm template; its
                # JSON reader has no such rule.
                text, suffix = json.dumps(plain, indent=1, ensure_ascii=False), ".json"
            path = os.path.join(os.path.realpath(folder), f"{index:06d}{suffix}")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            objects[path] = obj
            origins[path] = (obj.file, obj.unit)
        return _scan(root, files, skip_check_ids, objects)


def _plain(value: Any) -> Any:
    """Mappings and sequences as dict and list, so the dumper writes plain YAML."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _scan(root: Path, files: Sequence[str], skip_check_ids: Sequence[str],
          objects: Mapping[str, RenderedObject]) -> KubernetesScan:
    root_abs = os.path.abspath(root)
    scan = KubernetesScan()
    present: list[str] = []
    for name in files:
        absolute = os.path.normpath(os.path.join(root_abs, name))
        relative = _relative(absolute, root_abs)
        if not os.path.isfile(absolute):
            scan.errors.append(ScanError(code="engine-error", file=relative, unit=KUBERNETES_UNIT,
                                         message="manifest file not found"))
            continue
        present.append(absolute)
        for line, problem in audit_manifest(Path(absolute)):
            scan.errors.append(ScanError(code="parse-error", file=relative, line=line,
                                         unit=KUBERNETES_UNIT, message=problem))
    for path, obj in objects.items():
        present.append(path)
        for _, problem in audit_manifest(Path(path)):
            scan.errors.append(ScanError(code="parse-error", file=obj.file, line=obj.line,
                                         unit=obj.unit, message=f"rendered object: {problem}"))
    if not present:
        return scan

    runner = _Runner()
    runner_filter = RunnerFilter(
        framework=["kubernetes"],
        skip_checks=list(skip_check_ids),
        show_progress_bar=False,
        run_image_referencer=False,
    )
    raw = runner.run(root_folder=None, files=present, runner_filter=runner_filter)
    report = raw[0] if isinstance(raw, list) else raw
    for record in (*report.failed_checks, *report.passed_checks, *report.skipped_checks):
        scan.results.append(_to_result(record, runner, root_abs, objects))
    return scan


def _to_result(record: Record, runner: _Runner, root: str,
               objects: Mapping[str, RenderedObject]) -> CheckResult:
    file_abs = os.path.abspath(record.file_abs_path)
    target = runner.nested_parents.get((file_abs, record.resource), record.resource)
    failed = record.check_result["result"] == CheckovResult.FAILED
    outcome = Outcome.FAILED if failed else Outcome.PASSED
    suppressed_by: str | None = None
    result_known = True
    if record.check_result["result"] == CheckovResult.SKIPPED:
        # Only reachable if the harvest missed a skip: unknown result, counted as failed.
        outcome, result_known = Outcome.FAILED, False
        suppressed_by = str(record.check_result.get("suppress_comment", ""))
    else:
        for check_id, reason in runner.inline_skips.get((file_abs, target), ()):
            if check_id == record.check_id:
                suppressed_by = reason
                break
    start = record.file_line_range[0] if record.file_line_range else 0
    file, line, unit = _relative(file_abs, root), int(start or 0), KUBERNETES_UNIT
    origin = objects.get(file_abs)
    if origin is not None:  # one object per temporary file: its template and line
        file, line, unit = origin.file, origin.line, origin.unit
    return CheckResult(
        check_id=record.check_id,
        check_name=record.check_name,
        outcome=outcome,
        resource=kubernetes_address(target),
        file=file,
        line=line,
        unit=unit,
        guideline=record.guideline or "",
        suppressed_by=suppressed_by,
        result_known=result_known,
    )


# --- what Checkov would drop without a word ---------------------------------------------------


def audit_manifest(path: Path) -> list[tuple[int, str]]:
    """(line, problem) for each part of a manifest Checkov would silently not check."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [(0, "manifest is not UTF-8 text; Checkov cannot read it")]
    except OSError as exc:
        return [(0, f"manifest cannot be read ({exc.strerror})")]
    if not all(key in text for key in ("apiVersion", "kind")):
        return []  # no Kubernetes object in it; Checkov and the loader both pass it by
    if path.suffix != ".json" and any(pattern.search(text) for pattern in _HELM_TEMPLATE):
        return [(0, "manifest contains Helm template expressions ({{ .Values }}/{{ .Release }}); "
                    "Checkov skips such files — scan the chart instead")]
    try:
        documents = list(_documents(text, is_json=path.suffix == ".json"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        # Only the parser's problem statement: its snippet would quote the file.
        return [(line, f"invalid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                       f"{exc.problem or 'syntax error'}")]
    except yaml.YAMLError:
        return [(0, "invalid YAML")]
    problems: list[tuple[int, str]] = []
    for line, document in documents:
        if not (isinstance(document, dict) and "apiVersion" in document and "kind" in document):
            continue
        objects = document.get("items") if document.get("kind") == "List" else [document]
        for item in objects if isinstance(objects, list) else []:
            reason = _unchecked_reason(item)
            if reason:
                problems.append((line, f"Kubernetes object not checked by Checkov: {reason}"))
    return problems


def _documents(text: str, *, is_json: bool) -> Iterator[tuple[int, Any]]:
    if is_json:
        # Checkov's k8_json.loads: concatenated objects become one list.
        text = "[" + text + "]"
        text = text.replace("}{", "},{").replace("}\n{", "},\n{")
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if is_json and isinstance(node, yaml.SequenceNode):
                items = loader.construct_document(node)
                for item_node, item in zip(node.value, items if isinstance(items, list) else [],
                                           strict=False):
                    yield item_node.start_mark.line + 1, item
            else:
                yield node.start_mark.line + 1, loader.construct_document(node)
    finally:
        loader.dispose()


def _unchecked_reason(obj: Any) -> str:
    valid, why = K8sValidator.is_valid_template(obj)
    if not valid:
        if why.startswith("name "):
            # Checkov's reason quotes the value; say what is wrong without repeating it.
            return ("a 'name' field is not a valid name (not a string, longer than 253 "
                    "characters, or containing '#', '{' or '}')")
        return str(why)
    if is_invalid_k8_definition(obj):
        return ""  # no metadata: a tool's config (kind's Cluster), not an object; the loader agrees
    if get_resource_id(obj) is None:
        return "the object has neither metadata.name nor labels"
    return ""


@lru_cache(maxsize=8192)  # called for every record; thousands share a handful of files
def _relative(path: str, root: str) -> str:
    return PurePosixPath(Path(os.path.relpath(path, root))).as_posix()

