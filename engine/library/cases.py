"""Per-policy case files (``<policy dir>/**/cases/<idlower>.yaml``): tiny repositories given
as source files, run through the real loaders and the Rego engine, with the exact findings
of one policy expected (POLICY-LIBRARY.md, docs/policies.md "Case files").

Loading validates the file (unknown keys, bad paths, bad parameters are errors naming the
file and line); ``run_case`` scans one case in a temporary folder, exactly as ``scan
--no-checkov`` would, and compares that policy's findings with ``expect``: no more, no less.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from engine.library.yamlfile import (
    LINE_KEY,
    LibraryFileError,
    check_keys,
    keys_of,
    line_of,
    load_yaml,
    text,
)
from engine.model import Engine, Finding, Severity
from engine.params import params_problem

if TYPE_CHECKING:
    from engine.evaluate.rego import PolicySet

CASES_DIR = "cases"
_FILE_KEYS = {"policy", "cases"}
_CASE_KEYS = {"name", "files", "params", "expect"}
_EXPECT_KEYS = {"resource", "file", "line", "attribute", "severity", "blocking"}
_OPTIONAL = ("line", "attribute", "severity", "blocking")


@dataclass(frozen=True)
class Expected:
    resource: str
    file: str
    line: int | None = None
    attribute: str | None = None
    severity: str | None = None
    blocking: bool | None = None

    def matches(self, finding: Finding) -> bool:
        return (finding.resource == self.resource and finding.file == self.file
                and (self.line is None or finding.line == self.line)
                and (self.attribute is None or finding.attribute == self.attribute)
                and (self.severity is None or finding.severity.value == self.severity)
                and (self.blocking is None or finding.blocking == self.blocking))

    def specificity(self) -> int:
        return sum(getattr(self, key) is not None for key in _OPTIONAL)

    def describe(self) -> str:
        extra = "".join(f", {key}={getattr(self, key)!r}" for key in _OPTIONAL
                        if getattr(self, key) is not None)
        return f"{self.resource} in {self.file}{extra}"


@dataclass(frozen=True)
class Case:
    name: str
    files: Mapping[str, str]
    params: Mapping[str, Any]
    expect: tuple[Expected, ...]
    line: int


@dataclass(frozen=True)
class CaseFile:
    policy: str
    file: str  # as displayed
    cases: tuple[Case, ...]

    @property
    def has_failing_and_passing(self) -> bool:
        return any(c.expect for c in self.cases) and any(not c.expect for c in self.cases)


@dataclass(frozen=True)
class CaseResult:
    case_file: CaseFile
    case: Case
    passed: bool
    message: str
    seconds: float


def find_case_files(dirs: Sequence[Path]) -> list[Path]:
    """Every ``cases/*.yaml`` (or ``.yml``) under the policy directories, hidden folders
    skipped, in directory then path order."""
    found: list[Path] = []
    for root in dirs:
        if not root.is_dir():
            continue
        candidates = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")
                      and p.parent.name == CASES_DIR and p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(root).parts)]
        found.extend(sorted(candidates))
    return found


def load_case_file(path: Path, display: str) -> CaseFile:
    document = load_yaml(path, display)
    if not isinstance(document, dict):
        raise LibraryFileError("expected a mapping with 'policy' and 'cases'", display)
    check_keys(document, _FILE_KEYS, _FILE_KEYS, "case file", display)
    policy = text(document["policy"], "policy", display, line_of(document))
    raw_cases = document["cases"]
    if not isinstance(raw_cases, list) or not raw_cases:
        raise LibraryFileError("'cases' must be a non-empty list", display, line_of(document))
    cases: list[Case] = []
    names: dict[str, int] = {}
    for raw in raw_cases:
        case = _case(raw, display)
        if case.name in names:
            raise LibraryFileError(f"case {case.name!r}: duplicate name (first at line "
                                   f"{names[case.name]})", display, case.line)
        names[case.name] = case.line
        cases.append(case)
    return CaseFile(policy=policy, file=display, cases=tuple(cases))


def _case(raw: Any, display: str) -> Case:
    if not isinstance(raw, dict):
        raise LibraryFileError("a case must be a mapping with name, files, expect", display)
    line = line_of(raw)
    check_keys(raw, _CASE_KEYS, {"name", "files", "expect"}, "case", display)
    name = text(raw["name"], "case name", display, line)
    where = f"case {name!r}"
    files = raw["files"]
    if not isinstance(files, dict) or not keys_of(files):
        raise LibraryFileError(f"{where}: 'files' must map file paths to their text",
                               display, line)
    clean: dict[str, str] = {}
    for key in sorted(keys_of(files), key=str):
        value = files[key]
        if not isinstance(key, str) or not _safe_path(key):
            raise LibraryFileError(f"{where}: file name {key!r} must be a relative path "
                                   "inside the case (no '..', no leading '/' or '.')",
                                   display, line_of(files) or line)
        if not isinstance(value, str):
            raise LibraryFileError(f"{where}: file {key}: expected its text as a string",
                                   display, line_of(files) or line)
        clean[key] = value
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise LibraryFileError(f"{where}: 'params' must be a mapping", display, line)
    params = _plain(params)
    problem = params_problem(params)
    if problem:
        raise LibraryFileError(f"{where}: {problem}", display, line)
    expect = raw["expect"]
    if not isinstance(expect, list):
        raise LibraryFileError(f"{where}: 'expect' must be a list ([] for a passing case)",
                               display, line)
    return Case(name=name, files=clean, params=params,
                expect=tuple(_expected(item, where, display) for item in expect), line=line)


def _expected(raw: Any, where: str, display: str) -> Expected:
    if not isinstance(raw, dict):
        raise LibraryFileError(f"{where}: each expected finding is a mapping with resource "
                               "and file", display)
    line = line_of(raw)
    check_keys(raw, _EXPECT_KEYS, {"resource", "file"}, f"{where}: expected finding", display)
    resource = text(raw["resource"], f"{where}: resource", display, line)
    file = text(raw["file"], f"{where}: file", display, line)
    found_line = raw.get("line")
    if found_line is not None and (not isinstance(found_line, int) or isinstance(
            found_line, bool) or found_line < 0):
        raise LibraryFileError(f"{where}: line must be a whole number", display, line)
    attribute = raw.get("attribute")
    if attribute is not None and not isinstance(attribute, str):
        raise LibraryFileError(f"{where}: attribute must be a string", display, line)
    severity = raw.get("severity")
    if severity is not None:
        if not isinstance(severity, str):
            raise LibraryFileError(f"{where}: severity must be a string", display, line)
        try:
            severity = Severity.parse(severity).value
        except ValueError as exc:
            raise LibraryFileError(f"{where}: {exc}", display, line) from None
    blocking = raw.get("blocking")
    if blocking is not None and not isinstance(blocking, bool):
        raise LibraryFileError(f"{where}: blocking must be true or false", display, line)
    return Expected(resource, file, found_line, attribute, severity, blocking)


def _safe_path(name: str) -> bool:
    path = PurePosixPath(name)
    return (bool(name) and not path.is_absolute() and "\\" not in name
            and all(part not in ("", "..") and not part.startswith(".") for part in path.parts))


def _plain(value: Any) -> Any:
    """The YAML value without the loader's line markers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def run_case(policy_set: PolicySet, case_file: CaseFile, case: Case) -> CaseResult:
    """Scan the case's files (real discovery, loaders and Rego evaluation; no Checkov) and
    compare the findings of ``case_file.policy`` with ``case.expect``."""
    from engine.config import Config
    from engine.pipeline import ScanRequest, run_scan
    from engine.source.worktree import worktree_snapshot

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gitops-compliance-case-") as folder:
        root = Path(folder).resolve()
        for name, content in case.files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        request = ScanRequest(snapshot=worktree_snapshot(root, False), scope=("",),
                              config=Config(params=dict(case.params)), use_checkov=False,
                              fail_on=None)
        result = run_scan(request, policy_set)
    findings = [f for f in result.findings
                if f.policy_id == case_file.policy and f.engine is Engine.REGO]
    problems = [f"the case's files did not scan cleanly: {e.file}:{e.line}: {e.message}"
                if e.file else f"the case did not scan cleanly: {e.message}"
                for e in result.errors]
    problems.extend(compare(case.expect, findings))
    return CaseResult(case_file, case, not problems, "\n".join(problems),
                      time.perf_counter() - started)


def compare(expected: Sequence[Expected], findings: Sequence[Finding]) -> list[str]:
    """What differs between the expected and the actual findings (empty: they match).

    Each expectation consumes one finding; the most specific expectations choose first, so
    a loose one cannot take the finding a precise one needs."""
    remaining = list(findings)
    missing: list[Expected] = []
    for item in sorted(expected, key=lambda e: -e.specificity()):
        match = next((f for f in remaining if item.matches(f)), None)
        if match is None:
            missing.append(item)
        else:
            remaining.remove(match)
    problems = [f"expected, not found: {item.describe()}" for item in missing]
    problems.extend(
        f"found, not expected: {f.resource} in {f.file}:{f.line} (attribute "
        f"{f.attribute!r}, severity {f.severity.value}, "
        f"{'blocking' if f.blocking else 'warn'}): {f.message}" for f in remaining)
    return problems
