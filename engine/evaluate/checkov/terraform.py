"""Checkov's Terraform runner, scoped to the module directories of one scan.

Importing this module loads Checkov (through ``offline.load_checkov``, so offline).

``checkov -d ROOT`` parses every ``.tf`` below ROOT, resolves local module calls, and drops
the standalone copy of a directory that another scanned directory calls as a module (its
resources appear once per call instead, ``module.x.aws_s3_bucket.y``). The scan here does
the same for the given directories only, through Checkov's own parser, with three
differences that are deliberate:

* only the listed directories are walked (plus whatever their local module calls reach),
  and Checkov's module-download pre-pass (``load_tf_modules``), which parses every ``.tf``
  under the root just to list remote modules it then does not fetch offline, is skipped;
* ``TF_VAR_*`` variables of the calling environment are ignored, so results depend on the
  tree, not on the shell (DESIGN.md §8, deterministic);
* inline skips are collected, then removed before the checks run, so every check reports
  its real result; the engine decides what an inline skip means (DESIGN.md §6).
"""

# ruff: noqa: E402  (Checkov may only be imported after load_checkov() has pinned its environment)
from __future__ import annotations

from engine.evaluate.checkov.offline import load_checkov

load_checkov("terraform")

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from checkov.common.models.enums import CheckResult as CheckovResult
from checkov.common.output.record import Record
from checkov.common.output.report import Report
from checkov.common.util.consts import DEFAULT_EXTERNAL_MODULES_DIR
from checkov.runner_filter import RunnerFilter
from checkov.terraform.context_parsers.registry import parser_registry
from checkov.terraform.module_loading.registry import ModuleLoaderRegistry, module_loader_registry
from checkov.terraform.modules.module_objects import TFDefinitionKey
from checkov.terraform.runner import CHECK_BLOCK_TYPES
from checkov.terraform.runner import Runner as CheckovTerraformRunner
from checkov.terraform.tf_parser import TFParser

from engine.evaluate.checkov.mapping import CheckResult, Outcome, terraform_address
from engine.model import ScanError

_ADDRESS_KEY = "__address__"


@dataclass(frozen=True)
class _Entity:
    block_type: str
    unit: str
    inline_skips: tuple[tuple[str, str], ...]  # (check id, reason)


@dataclass
class TerraformScan:
    results: list[CheckResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


class _ScopedParser(TFParser):  # type: ignore[misc]  # mypy sees Checkov as Any
    """Checkov's TFParser, walking only the module directories it is given."""

    def __init__(self, module_dirs: Sequence[str], root: str = "") -> None:
        super().__init__()
        self._module_dirs = tuple(module_dirs)
        self._root = os.path.realpath(root) if root else ""

    def get_content_path(self, module_loader_registry: ModuleLoaderRegistry, root_dir: str,
                         source: str, version: str) -> str | None:
        # A local module call that leads outside the repository (``source = "../../.."``,
        # or a symlink) is not followed: our loader reports it (engine/load/terraform).
        path: str | None = TFParser.get_content_path(module_loader_registry, root_dir, source,
                                                     version)
        if path is None or not self._root:
            return path
        real = os.path.realpath(path)
        if real != self._root and not real.startswith(self._root + os.sep):
            return None
        return path

    def parse_directory(
        self,
        directory: str,
        out_evaluations_context: Any = None,
        out_parsing_errors: dict[str, Exception] | None = None,
        env_vars: Mapping[str, str] | None = None,
        download_external_modules: bool | None = False,
        external_modules_download_path: str = DEFAULT_EXTERNAL_MODULES_DIR,
        excluded_paths: list[str] | None = None,
        vars_files: list[str] | None = None,
        external_modules_content_cache: Any = None,
    ) -> dict[TFDefinitionKey, dict[str, list[dict[str, Any]]]]:
        # TFParser.parse_directory without the download pre-pass, without TF_VAR_* (an empty
        # environment), and with downloads off whatever the caller asked.
        self._init(directory, out_evaluations_context, out_parsing_errors, {}, False,
                   external_modules_download_path, excluded_paths)
        self._parsed_directories.clear()
        module_loader_registry.root_dir = directory
        module_loader_registry.download_external_modules = False
        module_loader_registry.external_modules_folder_name = external_modules_download_path
        module_loader_registry.module_content_cache = {}
        self._parse_directory(dir_filter=self._check_process_dir, vars_files=vars_files)
        self._update_resolved_modules()
        definitions: dict[TFDefinitionKey, dict[str, list[dict[str, Any]]]] = self.out_definitions
        return definitions

    def _parse_directory(
        self,
        include_sub_dirs: bool = True,
        module_loader_registry: ModuleLoaderRegistry = module_loader_registry,
        dir_filter: Callable[[str], bool] = lambda _: True,
        vars_files: list[str] | None = None,
    ) -> None:
        referenced_as_modules: set[TFDefinitionKey] = set()
        for directory in self._module_dirs:
            if dir_filter(os.path.abspath(directory)):
                self._internal_dir_load(directory, module_loader_registry, dir_filter,
                                        referenced_as_modules, vars_files=vars_files,
                                        excluded_paths=self.excluded_paths)
        # As checkov -d: a directory called as a module is reported through its callers.
        for key in referenced_as_modules:
            self.out_definitions.pop(key, None)


class _Runner(CheckovTerraformRunner):  # type: ignore[misc]  # Checkov is Any to mypy
    """Indexes every checked block (type, unit, inline skips) just before the checks run."""

    def __init__(self, root: str, module_dirs: Sequence[str]) -> None:
        super().__init__()
        self._root = root
        self.parser_used = _ScopedParser(module_dirs, root)
        self.graph_manager.parser = self.parser_used
        self.entities: dict[tuple[str, str], _Entity] = {}

    def push_skipped_checks_down_from_modules(
        self, definition_context: dict[TFDefinitionKey, dict[str, Any]]
    ) -> None:
        # Checkov's hook between collecting skip comments and running checks: let it spread
        # module-level skips to the module's blocks, then take every skip out.
        super().push_skipped_checks_down_from_modules(definition_context)
        for key, definition in (self.definitions or {}).items():
            unit = _unit_of(key, self._root)
            file_context = definition_context.get(key, {})
            for block_type in CHECK_BLOCK_TYPES & definition.keys():
                registry = self.block_type_registries[block_type]
                context_parser = parser_registry.context_parsers[block_type]
                for entity in definition[block_type]:
                    try:
                        path = context_parser.get_entity_context_path(entity)
                        _, _, config = registry.extract_entity_details(entity)
                    except (KeyError, StopIteration, TypeError, AttributeError):
                        continue  # Checkov cannot check a block it cannot name either
                    address = config.get(_ADDRESS_KEY) if isinstance(config, dict) else None
                    if not isinstance(address, str):
                        address = ".".join(path)
                    context = _inner(file_context, [block_type, *path])
                    skips: tuple[tuple[str, str], ...] = ()
                    if context is not None and context.get("skipped_checks"):
                        skips = tuple(
                            (str(s.get("id", "")), str(s.get("suppress_comment", "")))
                            for s in context["skipped_checks"]
                        )
                        context["skipped_checks"] = []
                    self.entities[(key.file_path, address)] = _Entity(block_type, unit, skips)


def scan_terraform(
    root: Path, module_dirs: Sequence[str], skip_check_ids: Sequence[str]
) -> TerraformScan:
    """Run Checkov on the module directories (relative to root); never raises for bad input."""
    root_abs = os.path.abspath(root)
    scan = TerraformScan()
    present: list[str] = []
    for directory in module_dirs:
        absolute = os.path.normpath(os.path.join(root_abs, directory))
        if os.path.isdir(absolute):
            present.append(absolute)
            scan.errors.extend(_unread_json_files(absolute, root_abs))
        else:
            scan.errors.append(ScanError(code="engine-error", file=_relative(absolute, root_abs),
                                         unit=directory, message="module directory not found"))
    if not present:
        return scan

    runner = _Runner(root_abs, present)
    runner_filter = RunnerFilter(
        framework=["terraform"],
        skip_checks=list(skip_check_ids),
        download_external_modules=False,
        show_progress_bar=False,
        run_image_referencer=False,
    )
    raw = runner.run(root_folder=root_abs, runner_filter=runner_filter, collect_skip_comments=True)
    report = raw[0] if isinstance(raw, list) else raw

    scan.errors.extend(_parse_errors(report, runner.parser_used.out_parsing_errors, root_abs))
    for record in (*report.failed_checks, *report.passed_checks, *report.skipped_checks):
        scan.results.append(_to_result(record, runner.entities, root_abs))
    return scan


def _to_result(
    record: Record, entities: Mapping[tuple[str, str], _Entity], root: str
) -> CheckResult:
    file = _relative(record.file_abs_path, root)
    entity = entities.get((record.file_abs_path, record.resource))
    block_type = entity.block_type if entity else _block_type_of(record.check_class)
    unit = entity.unit if entity else _posix_parent(file)
    failed = record.check_result["result"] == CheckovResult.FAILED
    outcome = Outcome.FAILED if failed else Outcome.PASSED
    suppressed_by: str | None = None
    result_known = True
    if record.check_result["result"] == CheckovResult.SKIPPED:
        # Only reachable if the skip harvest above missed a skip: the check did not run, so
        # the result is unknown and counts as failed.
        outcome, result_known = Outcome.FAILED, False
        suppressed_by = str(record.check_result.get("suppress_comment", ""))
    elif entity is not None:
        for check_id, reason in entity.inline_skips:
            if check_id == record.check_id:
                suppressed_by = reason
                break
    start = record.file_line_range[0] if record.file_line_range else 0
    return CheckResult(
        check_id=record.check_id,
        check_name=record.check_name,
        outcome=outcome,
        resource=terraform_address(record.resource, block_type),
        file=file,
        line=int(start or 0),
        unit=unit,
        guideline=record.guideline or "",
        suppressed_by=suppressed_by,
        result_known=result_known,
    )


def _parse_errors(report: Report, errors: Mapping[str, Exception], root: str) -> list[ScanError]:
    found: list[ScanError] = []
    for path in sorted(set(report.parsing_errors) | set(errors)):
        file = _relative(path, root)
        exc = errors.get(path)
        line = int(getattr(exc, "line", 0) or 0) if exc is not None else 0
        column = int(getattr(exc, "column", 0) or 0) if exc is not None else 0
        # The parser's own message quotes the offending source text, which may be a secret:
        # keep only the position.
        where = f" at line {line}, column {column}" if line else ""
        found.append(ScanError(code="parse-error", file=file, line=line, unit=_posix_parent(file),
                               message=f"Terraform file could not be parsed by Checkov{where}"))
    return found


def _unread_json_files(directory: str, root: str) -> list[ScanError]:
    # Checkov's Terraform parser reads .tf and .hcl only (tf_parser.handle_variables): its
    # checks never see Terraform JSON, so say so instead of passing it silently.
    errors: list[ScanError] = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.name.endswith(".tf.json") and entry.is_file():
            file = _relative(entry.path, root)
            errors.append(ScanError(code="parse-error", file=file, unit=_posix_parent(file),
                                    message="Terraform JSON is not read by Checkov; its checks "
                                            "did not run on this file"))
    return errors


def _unit_of(key: TFDefinitionKey, root: str) -> str:
    """The root module a block is reached from: its own directory, or the directory of the
    outermost module call when it comes from a module."""
    path = key.file_path
    module = key.tf_source_modules
    while module is not None:
        path = module.path
        module = module.nested_tf_module
    return _posix_parent(_relative(path, root))


def _inner(context: Mapping[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
    current: Any = context
    for part in path:
        if not isinstance(current, dict):
            return None
        if part in current:
            current = current[part]
            continue
        # Checkov names count/for_each instances "b[0]" where the context may say "b".
        matches = [key for key in current if isinstance(key, str) and part.startswith(key)]
        if not matches:
            return None
        current = current[max(matches, key=len)]
    return current if isinstance(current, dict) else None


def _block_type_of(check_class: str) -> str:
    for block_type in ("data", "provider", "module"):
        if f".checks.{block_type}." in check_class:
            return block_type
    return "resource"


@lru_cache(maxsize=8192)  # called for every record; thousands share a handful of files
def _relative(path: str, root: str) -> str:
    return PurePosixPath(Path(os.path.relpath(path, root))).as_posix()


def _posix_parent(file: str) -> str:
    parent = PurePosixPath(file).parent.as_posix()
    return parent if parent else "."
