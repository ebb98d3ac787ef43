#!/usr/bin/env python3
"""Benchmark the pre-commit hook: ``gitops-compliance scan --staged`` on a one-file change in
a repository of 1,000+ IaC files, against ``checkov -f`` on the same file.

The repository is built in a temporary folder from ``../shared/corpus`` copied twice under
different folders (``a/`` and ``b/``), committed once. Every run first edits the target
file anew (a unique comment line, so its content is never seen before) and stages it —
untimed — then runs, interleaved:

    gitops-compliance scan --staged -o json=/dev/null --fail-on none [--ours-arg ...]
    checkov -f FILE --quiet -o json --compact

Scenarios: ``warm`` (default) primes once, untimed, then times every run with whatever the
engine keeps between runs (its result cache, once it has one); ``cold`` runs ``--reset CMD``
(untimed, in the repository, e.g. the cache removal command) before every timed run of ours.
Medians of ``--runs`` (default 3) with min-max, peak RSS of the child (``os.wait4``) and
the ratio ours / checkov. Standard library only; see bench/README.md.

Exit status: 0 when every run completed (whatever the timings), 1 when a tool crashed,
2 on a usage error or a missing tool or corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
IAC_SUFFIXES = (".tf", ".tfvars", ".yaml", ".yml", ".json", ".tpl")
# One file per framework, inside the second copy (b/), relative to the corpus.
DEFAULT_TARGETS = (
    "kubernetes-examples/AI/vllm-deployment/vllm-deployment.yaml",
    "terraform-aws-s3-bucket/examples/notification/main.tf",
)
OURS_OK = {0, 3}  # --fail-on none: 1 cannot happen; 3 = incomplete (a corpus file failed)
CHECKOV_OK = {0, 1}
TARGET_WARM_S = 1.0
TARGET_RATIO = 1 / 3


@dataclass
class Run:
    wall_s: float
    max_rss_kib: int
    exit_code: int
    ok: bool


@dataclass
class Series:
    tool: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    def median(self) -> float | None:
        done = [r.wall_s for r in self.runs if r.ok]
        return statistics.median(done) if done else None


def measure(argv: list[str], cwd: Path, ok: set[int], timeout: float,
            traceback_is_crash: bool = True) -> Run:
    # stderr to a file, not a pipe: a chatty child can never block on a full pipe.
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors,
                                start_new_session=True)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped by wait4
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    crashed = code not in ok or (traceback_is_crash
                                 and "Traceback (most recent call last)" in stderr)
    if crashed:
        sys.stderr.write(f"  ! {' '.join(argv[:3])}... exit {code}: {stderr[-800:]}\n")
    kib = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Run(round(wall, 3), kib, code, not crashed)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def build_repository(corpus: Path, into: Path) -> int:
    for copy in ("a", "b"):
        shutil.copytree(corpus, into / copy, symlinks=True)
    git(into, "init", "-q", "-b", "main")
    git(into, "add", "-A")
    git(into, "commit", "-q", "-m", "corpus twice")
    listed = subprocess.run(["git", "ls-files"], cwd=into, capture_output=True, text=True,
                            check=True).stdout.split()
    return sum(1 for name in listed if name.endswith(IAC_SUFFIXES))


def edit(repo: Path, target: str, serial: int) -> None:
    """A change never seen before: one more comment line, then stage it."""
    path = repo / target
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n# bench edit {serial} {time.time_ns()}\n")
    git(repo, "add", "--", target)
    # `git commit` refreshes the index's stat data before it runs the pre-commit hook; do
    # the same, or the hook would pay for re-hashing "racily clean" files a commit never has.
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, check=False,
                   stdout=subprocess.DEVNULL)


def find_tool(name: str, override: str | None) -> list[str]:
    if override:
        return shlex.split(override)
    # The one installed beside this Python first (the project's virtualenv), then PATH.
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install it (pip install -e .) or pass --{name}")
    return [found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--target", action="append", default=[],
                        help="file to edit, relative to the corpus (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", action="append", choices=("warm", "cold"), default=[])
    parser.add_argument("--reset", help="shell command run in the repository before each "
                        "cold run of ours (untimed), e.g. the cache removal")
    parser.add_argument("--ours-arg", action="append", default=[],
                        help="extra argument for every run of ours, e.g. --ours-arg=--checkov="
                             "cached once the cache has landed")
    parser.add_argument("--gitops-compliance", dest="ours", help="command for ours")
    parser.add_argument("--checkov", help="command for checkov")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--keep", action="store_true", help="keep the temporary repository")
    parser.add_argument("--json", type=Path, help="write every run and the summary here")
    args = parser.parse_args(argv)
    scenarios = args.scenario or ["warm"]
    if "cold" in scenarios and not args.reset:
        parser.error("--scenario cold needs --reset CMD (what empties the engine's cache)")
    if not args.corpus.is_dir():
        sys.stderr.write(f"corpus not found: {args.corpus} (pass --corpus DIR)\n")
        return 2
    try:
        ours, checkov = find_tool("gitops-compliance", args.ours), find_tool("checkov",
                                                                              args.checkov)
    except SystemExit as exc:
        sys.stderr.write(f"{exc}\n")
        return 2

    work = Path(tempfile.mkdtemp(prefix="gitops-hook-bench-"))
    repo = work / "repo"
    summary: list[dict[str, Any]] = []
    crashed = False
    try:
        iac_files = build_repository(args.corpus, repo)
        print(f"repository: {iac_files} IaC files ({repo}); {args.runs} interleaved runs")
        serial = 0
        for scenario in scenarios:
            for target in [f"b/{t}" for t in (args.target or DEFAULT_TARGETS)]:
                if not (repo / target).is_file():
                    sys.stderr.write(f"target not found: {target}\n")
                    return 2
                ours_cmd = [*ours, "scan", "--staged", "-o", "json=/dev/null", "--fail-on",
                            "none", *args.ours_arg]
                checkov_cmd = [*checkov, "-f", target, "--quiet", "-o", "json", "--compact"]
                mine, theirs = Series("gitops-compliance", ours_cmd), Series("checkov",
                                                                             checkov_cmd)
                if scenario == "warm":  # fill whatever the engine keeps between runs:
                    # a full scan first (as the PR check or a developer's last full scan
                    # leaves the result cache), then one hook run
                    measure([*ours, "scan", ".", "-o", "json=/dev/null", "--fail-on", "none"],
                            repo, OURS_OK, args.timeout)
                    serial += 1
                    edit(repo, target, serial)
                    measure(ours_cmd, repo, OURS_OK, args.timeout)
                for _ in range(args.runs):
                    serial += 1
                    edit(repo, target, serial)
                    if scenario == "cold":
                        subprocess.run(args.reset, shell=True, cwd=repo, check=False)
                    mine.runs.append(measure(ours_cmd, repo, OURS_OK, args.timeout))
                    # Offline, Checkov prints a traceback for its failed guidelines
                    # download and goes on: not a crash.
                    theirs.runs.append(measure(checkov_cmd, repo, CHECKOV_OK, args.timeout,
                                               traceback_is_crash=False))
                    git(repo, "reset", "-q", "--", target)  # unstage; the next edit re-adds
                crashed |= not all(r.ok for r in mine.runs + theirs.runs)
                summary.append(report(scenario, target, mine, theirs))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({
            "machine": {"platform": platform.platform(), "python": platform.python_version(),
                        "cpus": os.cpu_count(), "load": os.getloadavg()},
            "iac_files": iac_files, "results": summary}, indent=2) + "\n")
    return 1 if crashed else 0


def report(scenario: str, target: str, mine: Series, theirs: Series) -> dict[str, Any]:
    ours_m, theirs_m = mine.median(), theirs.median()
    ratio = ours_m / theirs_m if ours_m and theirs_m else None
    for series, med in ((mine, ours_m), (theirs, theirs_m)):
        walls = [r.wall_s for r in series.runs if r.ok]
        rss = max((r.max_rss_kib for r in series.runs), default=0) // 1024
        spread = f"{min(walls):.2f}-{max(walls):.2f}" if walls else "-"
        print(f"{scenario:5} {target[-50:]:50} {series.tool:17} "
              f"{len(walls)}/{len(series.runs)}  median {med or 0:6.2f} s  ({spread})  "
              f"peak {rss} MiB  exits {sorted({r.exit_code for r in series.runs})}")
    verdict = ""
    if ratio is not None and ours_m is not None:
        fast = ratio <= TARGET_RATIO and (scenario != "warm" or ours_m <= TARGET_WARM_S)
        verdict = "meets the target" if fast else "misses the target"
        print(f"      ratio ours/checkov {ratio:.2f} ({verdict}: warm <= {TARGET_WARM_S} s "
              f"and >= 3x faster than checkov -f)")
    return {"scenario": scenario, "target": target, "ours": asdict(mine),
            "checkov": asdict(theirs), "ours_median_s": ours_m, "checkov_median_s": theirs_m,
            "ratio": ratio, "verdict": verdict}


if __name__ == "__main__":
    sys.exit(main())
