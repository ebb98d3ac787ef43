"""Load a conftest policy directory into one compiled regorus engine.

What conftest loads, this loads: every ``*.rego`` file under the directories (recursively,
hidden folders skipped), in one engine, Rego v1 syntax by default (conftest ≥ 0.60) or v0
with ``rego_version="v0"``; ``--data`` directories add their ``*.json``/``*.yaml``/``*.yml``
files to ``data``, merged at the root as ``conftest --data`` does. Two differences, both on
purpose: ``*_test.rego`` files are left out (they belong to ``conftest verify``), and
conftest's custom built-ins (``parse_config``, ``parse_config_file``,
``parse_combined_config_files``) are refused with an error naming the built-in — regorus
does not have them and a policy calling them must not silently pass.

The rules that count are conftest's: per package, every rule named ``deny``/``violation``
(``_<name>`` suffixes allowed) fails, every ``warn``/``warn_<name>`` warns; ``exception``
waives them by name. Each definition counts once in conftest's "tests" total
(:attr:`RuleInfo.count`).

One generated module per load collects, for each selected namespace and rule, the rule's
value and the number of exceptions naming it, so one document costs one evaluation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.evaluate.conftest.metadata import FileMeta, RuleMeta, read_metadata
from engine.evaluate.rego.errors import PolicyLoadError, clean_engine_message
from engine.limits import LimitExceeded
from engine.load.yaml_loader import BoundedSafeLoader
from engine.model import Severity

REGO_VERSIONS = ("v0", "v1")
DEFAULT_NAMESPACE = "main"
AGGREGATE_PACKAGE = "gitops_compliance_conftest"
_AGGREGATE_FILE = "<gitops-compliance>/conftest-aggregate.rego"

_FAILURE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$")
_WARNING = re.compile(r"^warn(_[a-zA-Z0-9]+)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)")
# conftest's own built-ins (it registers them in OPA); no Rego engine but conftest has them.
UNSUPPORTED_BUILTINS = ("parse_combined_config_files", "parse_config_file", "parse_config")
_BUILTIN_CALL = re.compile(r"\b(" + "|".join(UNSUPPORTED_BUILTINS) + r")\s*\(")


def is_failure(rule: str) -> bool:
    return bool(_FAILURE.match(rule))


def is_warning(rule: str) -> bool:
    return bool(_WARNING.match(rule))


def exception_name(rule: str) -> str:
    """The name an ``exception`` lists to waive ``rule`` (conftest's removeRulePrefix:
    ``deny_run_as_root`` -> ``run_as_root``; plain ``deny`` stays ``deny``)."""
    for prefix in ("violation_", "deny_", "warn_"):
        rule = rule.removeprefix(prefix)
    return rule


@dataclass(frozen=True)
class RuleInfo:
    namespace: str
    name: str
    count: int  # definitions of this rule in the namespace
    file: str  # first file defining it
    line: int
    meta: RuleMeta

    @property
    def policy_id(self) -> str:
        """Finding id: ``<package>.<rule>`` (``main.deny_run_as_root``)."""
        return f"{self.namespace}.{self.name}"

    @property
    def blocking(self) -> bool:
        return is_failure(self.name)


@dataclass(frozen=True)
class Selection:
    """Which namespaces to evaluate: ``names``, or every package (``all_namespaces``)."""

    names: tuple[str, ...] = (DEFAULT_NAMESPACE,)
    all_namespaces: bool = False


class ConftestPolicySet:
    """Compiled conftest policies: rules per selected namespace, in a clonable engine."""

    def __init__(self, *, namespaces: tuple[str, ...], rules: Mapping[str, tuple[RuleInfo, ...]],
                 exception_files: Mapping[str, str], engine: Any, digest: str,
                 rego_version: str, modules: tuple[tuple[str, str], ...],
                 data: Mapping[str, Any]) -> None:
        self.namespaces = namespaces  # the selected ones, sorted
        self.rules = rules
        self.exception_files = exception_files  # namespace -> file defining `exception`
        self.digest = digest
        self.rego_version = rego_version
        self.modules = modules  # (file, text), the generated aggregate last
        self.data = data
        self._engine = engine

    @property
    def rule_count(self) -> int:
        return sum(len(r) for r in self.rules.values())

    def new_engine(self) -> Any:
        return self._engine.clone()


def aggregate_rule(index: int) -> str:
    return f"data.{AGGREGATE_PACKAGE}.ns_{index}"


def _ref(namespace: str, rule: str) -> str:
    parts = [*namespace.split("."), rule]
    return "data" + "".join(f".{p}" if _IDENT.match(p) else f"[{json.dumps(p)}]" for p in parts)


def _aggregate_module(namespaces: Sequence[str],
                      rules: Mapping[str, tuple[RuleInfo, ...]]) -> str:
    """Per namespace ``ns_<i>``: for each rule, ``[[value] or [], [1 per exception match]]``.

    Written in the subset of Rego that v0 and v1 both parse, so one text serves both."""
    lines = [f"package {AGGREGATE_PACKAGE}", ""]
    for index, namespace in enumerate(namespaces):
        exception = _ref(namespace, "exception")
        cells = [f"[[v | v := {_ref(namespace, r.name)}], "
                 f"[1 | {exception}[_][_] == {json.dumps(exception_name(r.name))}]]"
                 for r in rules[namespace]]
        lines.append(f"ns_{index} := [" + ", ".join(cells) + "]")
    return "\n".join(lines) + "\n"


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _files(dirs: Sequence[Path], suffixes: tuple[str, ...], what: str) -> list[Path]:
    found: list[Path] = []
    for root in dirs:
        if root.is_file():
            found.append(root)
            continue
        if not root.is_dir():
            raise PolicyLoadError(f"{what} directory not found", root.as_posix())
        found.extend(sorted(
            p for p in root.rglob("*") if p.is_file() and p.name.endswith(suffixes)
            and not any(part.startswith(".") for part in p.relative_to(root).parts)))
    return found


def _code_only(text: str) -> str:
    """Rego text with comments and string contents blanked, lines kept: a built-in named
    in a message or a comment is not a call."""
    out: list[str] = []
    quote = ""  # the open string's delimiter: '"' or '`' (raw strings span lines)
    for line in text.splitlines():
        kept = []
        escaped = False
        for char in line:
            if quote:
                if quote == '"' and not escaped and char == "\\":
                    escaped = True
                    kept.append(" ")
                    continue
                if char == quote and not escaped:
                    quote = ""
                    kept.append(char)
                else:
                    kept.append(" ")
                escaped = False
            elif char == "#":
                break
            else:
                if char in "\"`":
                    quote = char
                kept.append(char)
        if quote == '"':
            quote = ""  # an unterminated string ends with its line (the parser says why)
        out.append("".join(kept))
    return "\n".join(out)


def _check_builtins(text: str, file: str) -> None:
    for number, line in enumerate(_code_only(text).splitlines(), start=1):
        found = _BUILTIN_CALL.search(line)
        if found:
            raise PolicyLoadError(
                f"calls conftest's custom built-in {found.group(1)}(), which gitops-compliance "
                "does not provide (only conftest registers it in OPA); parse the file with "
                "the scan instead, see docs/conftest.md", file, number)


def _engine_error(exc: Exception, fallback: str) -> PolicyLoadError:
    message = clean_engine_message(str(exc))
    reasons = [ln.strip().removeprefix("error:").strip() for ln in message.splitlines()
               if ln.strip().startswith("error:")]
    text = reasons[0] if reasons else (message.splitlines() or [type(exc).__name__])[-1]
    where = _LOCATION.search(message)
    if where is None:
        return PolicyLoadError(text, fallback)
    return PolicyLoadError(text, where.group("file"), int(where.group("line")))


def _merge(target: dict[str, Any], value: Mapping[str, Any], path: tuple[str, ...],
           file: str) -> None:
    for key, item in value.items():
        here = (*path, str(key))
        if isinstance(item, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], item, here, file)
        elif key in target:
            raise PolicyLoadError(f"data.{'.'.join(here)} is defined by two data files "
                                  "(conftest refuses this merge too)", file)
        else:
            target[key] = copy.deepcopy(item)


def load_data(dirs: Sequence[Path], root: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``--data``: every JSON/YAML file, merged into ``data`` at the root."""
    from engine.load.documents import jsonable

    data: dict[str, Any] = {}
    texts: list[tuple[str, str]] = []
    for path in _files(dirs, (".json", ".yaml", ".yml"), "data"):
        display = _display(path, root)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyLoadError(f"cannot read data file: {exc}", display) from None
        try:
            value = json.loads(text) if path.suffix == ".json" else yaml.load(
                text, Loader=BoundedSafeLoader)
        except json.JSONDecodeError as exc:
            raise PolicyLoadError(f"invalid JSON data: {exc.msg}", display, exc.lineno) from None
        except LimitExceeded as exc:
            raise PolicyLoadError(exc.message, display, exc.line) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise PolicyLoadError("invalid YAML data", display,
                                  mark.line + 1 if mark is not None else 0) from None
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise PolicyLoadError("a data file must hold an object at the top level", display)
        _merge(data, jsonable(value), (), display)
        texts.append((display, text))
    return data, texts


def _new_engine(factory: Callable[[], Any], rego_version: str) -> Any:
    engine = factory()
    if rego_version == "v0":
        engine.set_rego_v0(True)
    return engine


def _rule_heads(ast_json: str) -> dict[str, list[tuple[str, int]]]:
    """file -> every (rule name, line) it defines, definitions repeated as written."""
    from engine.evaluate.rego.ast import rule_entries

    out: dict[str, list[tuple[str, int]]] = {}
    for module in json.loads(ast_json):
        file = str(module.get("source", {}).get("file", ""))
        heads = out.setdefault(file, [])
        for rule in module.get("ast", {}).get("rules", []):
            name, line = rule_entries(rule)
            if name is not None:
                heads.append((name, line))
    return out


def load_conftest_policies(dirs: Sequence[Path], *, selection: Selection = Selection(),
                           rego_version: str = "v1", data_dirs: Sequence[Path] = (),
                           default_severity: Severity = Severity.HIGH,
                           display_root: Path | None = None,
                           engine_factory: Callable[[], Any] | None = None) -> ConftestPolicySet:
    """Load, check and compile; ``PolicyLoadError`` (exit 2) names the file and line."""
    if rego_version not in REGO_VERSIONS:
        raise PolicyLoadError(f"invalid Rego version {rego_version!r} (expected v0 or v1)")
    root = display_root if display_root is not None else Path.cwd()
    if engine_factory is None:
        import regorus  # lazy: `--help` must not pay for the engine

        engine_factory = regorus.Engine
    engine = _new_engine(engine_factory, rego_version)

    sources = [p for p in _files(dirs, (".rego",), "policy") if not p.name.endswith("_test.rego")]
    if not sources:
        shown = ", ".join(_display(d, root) for d in dirs) or "(no directories)"
        raise PolicyLoadError(f"no policies found in {shown}")
    modules: list[tuple[str, str]] = []
    packages: dict[str, str] = {}  # file -> package
    metas: dict[str, FileMeta] = {}
    for path in sources:
        display = _display(path, root)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyLoadError(f"cannot read policy file: {exc}", display) from None
        _check_builtins(text, display)
        try:
            package = str(engine.add_policy(display, text)).removeprefix("data.")
        except RuntimeError as exc:
            raise _engine_error(exc, display) from None
        packages[display] = package
        metas[display] = read_metadata(text, display)
        modules.append((display, text))

    every_namespace = sorted(set(packages.values()))
    selected = (tuple(every_namespace) if selection.all_namespaces
                else tuple(sorted(set(selection.names))))
    heads = _rule_heads(engine.get_ast_as_json())
    rules: dict[str, tuple[RuleInfo, ...]] = {}
    exception_files: dict[str, str] = {}
    for namespace in selected:
        counts: dict[str, int] = {}
        first: dict[str, tuple[str, int]] = {}
        for display, package in packages.items():
            if package != namespace:
                continue
            for name, line in heads.get(display, []):
                if name == "exception":
                    exception_files.setdefault(namespace, display)
                if is_failure(name) or is_warning(name):
                    counts[name] = counts.get(name, 0) + 1
                    first.setdefault(name, (display, line))
        infos = []
        for name in sorted(counts):
            file, line = first[name]
            meta = _effective(metas[file], name, default_severity)
            infos.append(RuleInfo(namespace, name, counts[name], file, line, meta))
        rules[namespace] = tuple(infos)

    if not any(rules.values()):
        # conftest would report "0 tests" and pass; a gate that evaluates nothing is a
        # silent pass, so say what was found instead.
        asked = "every package" if selection.all_namespaces else ", ".join(selected)
        raise PolicyLoadError(
            f"no deny, violation or warn rules in {asked} (packages found: "
            f"{', '.join(every_namespace)}); choose them with --namespace or --all-namespaces")
    data, data_texts = load_data(data_dirs, root)
    if data:
        engine.add_data(data)
    aggregate = _aggregate_module(selected, rules)
    try:
        engine.add_policy(_AGGREGATE_FILE, aggregate)
        engine.set_input({})
        for index in range(len(selected)):
            engine.eval_rule_as_json(aggregate_rule(index))  # regorus compiles lazily
    except RuntimeError as exc:
        raise _unknown_function(exc) or _engine_error(exc, "") from None

    digest = hashlib.sha256()
    for display, text in sorted([*modules, *data_texts]):
        digest.update(f"{display}\0".encode())
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    digest.update(rego_version.encode())
    return ConftestPolicySet(
        namespaces=selected, rules=rules, exception_files=exception_files, engine=engine,
        digest=digest.hexdigest(), rego_version=rego_version,
        modules=(*modules, (_AGGREGATE_FILE, aggregate)), data=data)


def _unknown_function(exc: Exception) -> PolicyLoadError | None:
    """regorus names an unknown built-in at compile time; say which and where."""
    message = clean_engine_message(str(exc))
    if "could not find function" not in message:
        return None
    error = _engine_error(exc, "")
    return PolicyLoadError(f"{error.message} (a built-in regorus does not provide: "
                           "gitops-compliance cannot run this policy)", error.file, error.line)


def _effective(meta: FileMeta, rule: str, default: Severity) -> RuleMeta:
    own = meta.rules.get(rule, RuleMeta())
    package = meta.package
    return RuleMeta(title=own.title or package.title,
                    description=own.description or package.description,
                    severity=own.severity or package.severity or default,
                    remediation=own.remediation or package.remediation)
