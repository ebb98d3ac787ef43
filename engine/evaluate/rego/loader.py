"""Find, validate and compile a set of Rego policy directories — once per process.

Layout of a policy directory (recursively, hidden folders skipped):

* ``*.rego`` — one policy package per file, with a package-scoped METADATA block;
  packages with a ``lib`` path segment (``gitops_compliance.lib.util``) are libraries:
  no METADATA, and they must not define ``deny``/``violation``/``warn``;
* ``*_test.rego`` — Rego unit tests, kept apart: never part of a scan;
* ``*.json`` — data documents, merged into ``data`` at the root (``opa eval -d file.json``
  semantics), so ``{"gitops_compliance": {"taggable": ...}}`` is ``data.gitops_compliance
  .taggable``. ``inventory`` and ``gitops_compliance.params`` are reserved for the scan.

Anything wrong — a syntax or compile error, a duplicate id or package, missing metadata,
zero policies — raises ``PolicyLoadError`` naming the file (exit 2): a policy is never
silently dropped.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.evaluate.rego.ast import rule_names_by_file
from engine.evaluate.rego.errors import PolicyLoadError, clean_engine_message
from engine.evaluate.rego.metadata import find_package_block, meta_from_annotation
from engine.model import PolicyMeta

RULES = ("deny", "violation", "warn")
AGGREGATE_PACKAGE = "gitops_compliance_engine.aggregate"
AGGREGATE_RULE = f"data.{AGGREGATE_PACKAGE}.results"
_AGGREGATE_FILE = "<gitops-compliance>/aggregate.rego"
_AGGREGATE_FIRST_LINE = 4  # line of the first policy's row in the generated module
_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)")
_RESERVED_DATA = (("inventory",), ("gitops_compliance", "params"))
_DATA_REF = "data:"


@dataclass(frozen=True)
class RegoPolicy:
    """One policy package: its metadata, package path (without ``data.``) and file."""

    meta: PolicyMeta
    package: str
    file: str


@dataclass(frozen=True)
class RegoTestFile:
    """A ``*_test.rego`` file and the ``test_*`` rules it defines (sorted)."""

    file: str
    package: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class _Source:
    path: Path
    relative: str  # relative to its policy directory, POSIX
    display: str  # what messages show
    root_index: int


def _display(path: Path, display_root: Path) -> str:
    try:
        return path.resolve().relative_to(display_root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _walk(dirs: Sequence[Path], display_root: Path, suffix: str) -> list[_Source]:
    found: list[_Source] = []
    for index, root in enumerate(dirs):
        if root.is_file():
            candidates = [root] if root.name.endswith(suffix) else []
            base = root.parent
        elif root.is_dir():
            candidates = [
                p for p in root.rglob(f"*{suffix}")
                if p.is_file() and not any(part.startswith(".")
                                           for part in p.relative_to(root).parts)
            ]
            base = root
        else:
            raise PolicyLoadError("policy directory not found", _display(root, display_root))
        for path in candidates:
            found.append(_Source(path, path.relative_to(base).as_posix(),
                                 _display(path, display_root), index))
    return sorted(found, key=lambda s: (s.root_index, s.relative))


def _read(source: _Source) -> str:
    try:
        return source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyLoadError(f"cannot read policy file: {exc}", source.display) from None


def _engine_error(exc: Exception, fallback_file: str) -> PolicyLoadError:
    """A regorus parse/compile error as a load error at the file and line it names."""
    message = clean_engine_message(str(exc))
    reasons = [ln.strip().removeprefix("error:").strip() for ln in message.splitlines()
               if ln.strip().startswith("error:")]
    text = reasons[0] if reasons else message
    where = _LOCATION.search(message)
    if where is None:
        return PolicyLoadError(text, fallback_file)
    return PolicyLoadError(text, where.group("file"), int(where.group("line")))


def _is_library(package: str) -> bool:
    return "lib" in package.split(".")


def _merge(target: dict[str, Any], value: Mapping[str, Any], path: tuple[str, ...],
           file: str) -> None:
    for key, item in value.items():
        here = (*path, key)
        if isinstance(item, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], item, here, file)
        elif key in target:
            raise PolicyLoadError(f"data document data.{'.'.join(here)} is defined twice", file)
        else:
            target[key] = copy.deepcopy(item)


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _expand_applies_to(meta: PolicyMeta, data: Mapping[str, Any]) -> PolicyMeta:
    """Replace ``data:<path>`` entries with the resource types listed in that document.

    Lets a long list (GXP-10's taggable types) live once, as editable data, and still give
    callers concrete types to count "passed" from.
    """
    if not any(entry.startswith(_DATA_REF) for entry in meta.applies_to):
        return meta
    expanded: list[str] = []
    for entry in meta.applies_to:
        if not entry.startswith(_DATA_REF):
            expanded.append(entry)
            continue
        ref = entry.removeprefix(_DATA_REF)
        value = _lookup(data, ref)
        lists = list(value.values()) if isinstance(value, Mapping) else [value]
        if value is None or not all(
            isinstance(items, list) and all(isinstance(t, str) for t in items)
            for items in lists
        ):
            raise PolicyLoadError(
                f"applies_to entry {entry!r}: data.{ref} is not a list of resource types "
                "(or an object of such lists) in the policy data files", meta.source)
        expanded.extend(t for items in lists for t in items)
    return dataclasses.replace(meta, applies_to=tuple(sorted(set(expanded))))


def _aggregate_module(packages: Sequence[str]) -> str:
    """One rule that collects every policy's rules, so a unit costs a single evaluation.

    ``[x | some x in data.p.deny]`` is ``[]`` when ``deny`` is undefined, so a package need
    not define all three rules. Results are positional: policy index, then RULES order.
    """
    lines = [f"package {AGGREGATE_PACKAGE}", "", "results := ["]  # policies from line 4
    for package in packages:
        cells = ", ".join(f"[x | some x in data.{package}.{rule}]" for rule in RULES)
        lines.append(f"\t[{cells}],")
    lines.append("]")
    return "\n".join(lines) + "\n"


class PolicySet:
    """Compiled, validated policies. Immutable once built; engines are handed out as clones.

    ``policies`` are sorted by package; ``digest`` is the sha256 over the sorted relative
    paths and contents of every policy, library and data file (not tests). ``modules`` and
    ``test_sources`` are (file, Rego text) pairs — ``modules`` includes the generated
    aggregate module — so another engine (a remote OPA, the test oracle) can load exactly
    the same policies; ``data`` is the merged data files.
    """

    def __init__(self, *, policies: tuple[RegoPolicy, ...], libraries: tuple[str, ...],
                 data: Mapping[str, Any], digest: str, engine: Any,
                 modules: tuple[tuple[str, str], ...],
                 test_sources: tuple[tuple[str, str], ...],
                 engine_factory: Callable[[], Any]) -> None:
        self.policies = policies
        self.libraries = libraries
        self._engine_factory = engine_factory
        self._test_files: tuple[RegoTestFile, ...] | None = None
        self.data = data
        self.digest = digest
        self.modules = modules
        self.test_sources = test_sources
        self._engine = engine
        self._test_engine: Any = None

    @property
    def test_files(self) -> tuple[RegoTestFile, ...]:
        """The ``*_test.rego`` files and their tests, parsed on first use: a scan never
        needs them (0.3 s of every pre-commit run on the built-in library), ``policy test``
        does — and reports a broken test file as a load error (exit 2) then."""
        if self._test_files is None:
            self._test_files = _test_files(self.test_sources, self._engine_factory)
        return self._test_files

    @property
    def metas(self) -> tuple[PolicyMeta, ...]:
        return tuple(p.meta for p in self.policies)

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(p.package for p in self.policies)

    def by_id(self) -> dict[str, RegoPolicy]:
        return {p.meta.id: p for p in self.policies}

    def new_engine(self) -> Any:
        """A clone of the compiled engine (policies + data files), ready for scan data."""
        return self._engine.clone()

    def new_test_engine(self) -> Any:
        """A clone of the compiled engine with the ``*_test.rego`` modules added too."""
        if self._test_engine is None:
            engine = self._engine.clone()
            for display, text in self.test_sources:
                try:
                    engine.add_policy(display, text)
                except RuntimeError as exc:
                    raise _engine_error(exc, display) from None
            _warm_up(engine, "data.gitops_compliance_engine")
            self._test_engine = engine
        return self._test_engine.clone()


def _warm_up(engine: Any, query: str, policies: Sequence[RegoPolicy] = ()) -> None:
    """Force regorus to compile every module now: it defers semantic checks (unsafe
    variables, unknown functions, arity) to the first evaluation.

    An error located in the generated aggregate module means a policy's ``deny``/
    ``violation``/``warn`` is not a collection; it is reported at that policy's file.
    """
    engine.set_input({"contract_version": 1, "kind": "kubernetes", "unit": "", "resources": []})
    try:
        engine.eval_query_as_json(query)
    except RuntimeError as exc:
        error = _engine_error(exc, "")
        index = error.line - _AGGREGATE_FIRST_LINE
        if error.file == _AGGREGATE_FILE and 0 <= index < len(policies):
            culprit = policies[index]
            raise PolicyLoadError(
                f"{culprit.meta.id}: {', '.join(RULES)} must be sets (partial rules with "
                f"'contains'), arrays or objects ({error.message})", culprit.file) from None
        raise error from None


def _digest(entries: Iterator[tuple[int, str, str]]) -> str:
    h = hashlib.sha256()
    for index, relative, text in sorted(entries):
        h.update(f"{index}\0{relative}\0".encode())
        h.update(hashlib.sha256(text.encode("utf-8")).digest())
    return h.hexdigest()


def _load_data(dirs: Sequence[Path], display_root: Path) -> tuple[dict[str, Any], list[Any]]:
    data: dict[str, Any] = {}
    digest_entries: list[Any] = []
    for source in _walk(dirs, display_root, ".json"):
        text = _read(source)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyLoadError(f"invalid JSON data: {exc.msg}", source.display,
                                  exc.lineno) from None
        if not isinstance(value, dict):
            raise PolicyLoadError("a data file must hold a JSON object", source.display)
        for reserved in _RESERVED_DATA:
            if _lookup(value, ".".join(reserved)) is not None:
                raise PolicyLoadError(
                    f"data.{'.'.join(reserved)} is reserved for the scan", source.display)
        _merge(data, value, (), source.display)
        digest_entries.append((source.root_index, source.relative, text))
    return data, digest_entries


def load_policy_set(dirs: Sequence[Path], *, display_root: Path | None = None,
                    engine_factory: Callable[[], Any] | None = None) -> PolicySet:
    """Load every policy under ``dirs`` into one compiled engine.

    ``display_root``: file names in errors and metadata are shown relative to it (default:
    the current directory). ``engine_factory``: builds the empty engine (default
    ``regorus.Engine``; tests pass others).
    """
    root = display_root if display_root is not None else Path.cwd()
    if engine_factory is None:
        import regorus  # lazy: `--help` must not pay for the engine

        engine_factory = regorus.Engine
    engine = engine_factory()

    sources = _walk(dirs, root, ".rego")
    tests = [s for s in sources if s.relative.endswith("_test.rego")]
    modules = [s for s in sources if not s.relative.endswith("_test.rego")]

    data, digest_entries = _load_data(dirs, root)
    policies: list[RegoPolicy] = []
    libraries: list[str] = []
    seen_packages: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    module_texts: list[tuple[str, str]] = []
    library_texts: list[tuple[str, str]] = []
    for source in modules:
        text = _read(source)
        module_texts.append((source.display, text))
        try:
            package = str(engine.add_policy(source.display, text)).removeprefix("data.")
        except RuntimeError as exc:
            raise _engine_error(exc, source.display) from None
        if package in seen_packages:
            raise PolicyLoadError(
                f"package {package} is already defined in {seen_packages[package]}",
                source.display, 1)
        seen_packages[package] = source.display
        digest_entries.append((source.root_index, source.relative, text))
        if _is_library(package):
            libraries.append(package)
            library_texts.append((source.display, text))
            continue
        found = find_package_block(text, source.display)
        if found is None:
            raise PolicyLoadError(
                "no METADATA block (scope: package) above the package statement; every "
                "policy needs one with custom.id and custom.severity", source.display, 1)
        annotation, line = found
        meta = _expand_applies_to(meta_from_annotation(annotation, source.display, line), data)
        if meta.id in seen_ids:
            raise PolicyLoadError(
                f"duplicate policy id {meta.id} (already defined in {seen_ids[meta.id]})",
                source.display, line)
        seen_ids[meta.id] = source.display
        policies.append(RegoPolicy(meta=meta, package=package, file=source.display))

    if not policies:
        shown = ", ".join(_display(d, root) for d in dirs) or "(no directories)"
        raise PolicyLoadError(f"no Rego policies found in {shown}")

    rules = _library_rules(library_texts, engine_factory)
    for package, display in seen_packages.items():
        defined = rules.get(display, {})
        for rule in RULES:
            if _is_library(package) and rule in defined:
                raise PolicyLoadError(
                    f"library package {package} defines {rule!r}; library rules are never "
                    "evaluated: move the rule to a policy package", display, defined[rule])

    policies.sort(key=lambda p: p.package)
    aggregate = _aggregate_module([p.package for p in policies])
    engine.add_policy(_AGGREGATE_FILE, aggregate)
    if data:
        engine.add_data(data)
    _warm_up(engine, AGGREGATE_RULE, policies)

    test_sources = tuple((s.display, _read(s)) for s in tests)
    return PolicySet(
        policies=tuple(policies),
        libraries=tuple(sorted(libraries)),
        data=data,
        digest=_digest(iter(digest_entries)),
        engine=engine,
        modules=(*module_texts, (_AGGREGATE_FILE, aggregate)),
        test_sources=test_sources,
        engine_factory=engine_factory,
    )


def _library_rules(texts: Sequence[tuple[str, str]], engine_factory: Callable[[], Any],
                   ) -> dict[str, dict[str, int]]:
    """Rule names (and lines) of the library modules, from an engine holding only them:
    the whole library's AST costs several times more to dump, on every scan."""
    if not texts:
        return {}
    engine = engine_factory()
    for display, text in texts:
        engine.add_policy(display, text)
    return rule_names_by_file(engine.get_ast_as_json())


def _test_files(sources: tuple[tuple[str, str], ...],
                engine_factory: Callable[[], Any]) -> tuple[RegoTestFile, ...]:
    """Parse test files on their own engine: a broken test is reported by ``policy test``
    (``new_test_engine``), and only its syntax is needed here to list its tests."""
    out: list[RegoTestFile] = []
    for display, text in sources:
        engine = engine_factory()
        try:
            package = str(engine.add_policy(display, text)).removeprefix("data.")
        except RuntimeError as exc:
            raise _engine_error(exc, display) from None
        names = rule_names_by_file(engine.get_ast_as_json()).get(display, {})
        tests = tuple(sorted(n for n in names if n.startswith("test_")))
        out.append(RegoTestFile(file=display, package=package, tests=tests))
    return tuple(out)
