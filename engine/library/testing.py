"""``policy test``: every Rego ``test_*`` rule, every case of every case file, and the
rule that each policy has both (≥ 1 test rule; a case file with ≥ 1 failing and ≥ 1
passing case) — as one flat list of outcomes that the text and JUnit outputs render."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from engine.library.cases import CaseFile, find_case_files, load_case_file, run_case
from engine.library.yamlfile import LibraryFileError

if TYPE_CHECKING:
    from engine.evaluate.rego import PolicySet

COVERAGE_SUITE = "policy coverage"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the test could not run: a broken case file, an unknown policy


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # a result type, not a pytest test class

    suite: str  # the test or case file (or COVERAGE_SUITE)
    name: str
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class TestRun:
    __test__ = False

    outcomes: tuple[TestOutcome, ...]
    seconds: float

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_case_files(dirs: Sequence[Path], display_root: Path
                    ) -> tuple[list[CaseFile], list[TestOutcome]]:
    """The valid case files, and an ERROR outcome for each invalid one (the rest still run)."""
    files: list[CaseFile] = []
    broken: list[TestOutcome] = []
    for path in find_case_files(dirs):
        display = _display(path, display_root)
        try:
            files.append(load_case_file(path, display))
        except LibraryFileError as exc:
            broken.append(TestOutcome(display, "load", Outcome.ERROR, str(exc)))
    return files, broken


def run_policy_tests(policy_set: PolicySet, dirs: Sequence[Path], params: Mapping[str, Any],
                     display_root: Path) -> TestRun:
    from engine.evaluate.rego import RegoTestCase, rego_test_engine, run_rego_test

    started = time.perf_counter()
    outcomes: list[TestOutcome] = []
    engine = None
    try:
        engine = rego_test_engine(policy_set, params)
    except Exception as exc:  # a test file that does not compile with the policies
        outcomes.append(TestOutcome("rego tests", "compile", Outcome.ERROR, str(exc)))
    for test_file in policy_set.test_files:
        for name in test_file.tests:
            if engine is None:
                continue
            result = run_rego_test(engine, RegoTestCase(test_file.file, test_file.package, name))
            outcomes.append(TestOutcome(test_file.file, name,
                                        Outcome.PASSED if result.passed else Outcome.FAILED,
                                        result.message, result.seconds))

    case_files, broken = load_case_files(dirs, display_root)
    outcomes.extend(broken)
    known = policy_set.by_id()
    for case_file in case_files:
        if case_file.policy not in known:
            outcomes.append(TestOutcome(case_file.file, "load", Outcome.ERROR,
                                        f"policy {case_file.policy} is not loaded"))
            continue
        for case in case_file.cases:
            ran = run_case(policy_set, case_file, case)
            outcomes.append(TestOutcome(case_file.file, case.name,
                                        Outcome.PASSED if ran.passed else Outcome.FAILED,
                                        ran.message, ran.seconds))
    outcomes.extend(coverage_outcomes(policy_set, case_files))
    return TestRun(tuple(outcomes), time.perf_counter() - started)


def coverage_outcomes(policy_set: PolicySet, case_files: Sequence[CaseFile]
                      ) -> list[TestOutcome]:
    """One outcome per policy: it has Rego tests and a case file with a failing and a
    passing case."""
    tests_by_package: dict[str, int] = {}
    tests_by_file: dict[str, int] = {}
    for test_file in policy_set.test_files:
        tests_by_package[test_file.package.removesuffix("_test")] = (
            tests_by_package.get(test_file.package.removesuffix("_test"), 0)
            + len(test_file.tests))
        tests_by_file[test_file.file] = len(test_file.tests)
    by_policy: dict[str, list[CaseFile]] = {}
    for case_file in case_files:
        by_policy.setdefault(case_file.policy, []).append(case_file)
    outcomes: list[TestOutcome] = []
    for policy in sorted(policy_set.policies, key=lambda p: p.meta.id):
        path = PurePosixPath(policy.file)
        beside = str(path.with_name(f"{path.stem}_test.rego"))
        tests = tests_by_package.get(policy.package, 0) or tests_by_file.get(beside, 0)
        problems = []
        if tests == 0:
            problems.append(f"no Rego test: add test_* rules in {beside}")
        files = by_policy.get(policy.meta.id, [])
        if not files:
            problems.append(f"no case file: add cases/{policy.meta.id.replace('-', '').lower()}"
                            ".yaml beside the policy")
        elif not any(f.has_failing_and_passing for f in files):
            problems.append("the case file needs at least one case with findings and one "
                            "with expect: []")
        outcomes.append(TestOutcome(COVERAGE_SUITE, policy.meta.id,
                                    Outcome.FAILED if problems else Outcome.PASSED,
                                    "; ".join(problems)))
    return outcomes
