#!/usr/bin/env python3
"""Benchmark ``gitops-compliance`` against plain Checkov on real IaC corpora.

For every target directory the two scanners run **interleaved** (ours, checkov, ours,
checkov, ...) so that drift in machine load or file-system caches hits both sides alike:

    gitops-compliance scan DIR -o json=/dev/null --fail-on none --no-cache
    checkov -d DIR --framework FW --quiet -o json --compact

plus ``gitops-compliance --version`` against ``checkov --version``. Each child is reaped
with ``os.wait4``, which returns its own resource usage: wall time is measured around
spawn and reap, peak memory is ``ru_maxrss`` of that child (the largest resident set of the
child or of any descendant it waited for; not a sum over parallel workers).

Standard library only. See bench/README.md for the targets and how to read the output.

Exit status: 0 when every measurement completed (whatever the timings), 1 when a tool
crashed (unexpected exit status, signal, timeout, unreadable output), 2 on a usage error or
when a tool to be measured cannot be found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_TARGETS = (
    ("kubernetes-examples", "kubernetes"),
    ("terraform-aws-s3-bucket", "terraform"),
)
FRAMEWORKS = ("terraform", "kubernetes", "helm")

VERSION_TARGET_S = 0.3  # `gitops-compliance --version` median wall time must stay below this
SCAN_TARGET_RATIO = 1.0  # full scan wall time / `checkov -d` wall time must stay at or below

OURS = "gitops-compliance"
CHECKOV = "checkov"

# Exit statuses that mean "the tool ran to completion".
# Ours runs with --fail-on none, so 1 (findings) cannot happen and means an uncaught
# exception (Python exits 1 on a traceback); 3 = scan incomplete, reported but not a crash.
# Checkov exits 1 when a check failed.
SCAN_OK = {OURS: {0, 3}, CHECKOV: {0, 1}}
VERSION_OK = {0}
EXIT_CRASH = 1
EXIT_USAGE = 2


# --------------------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------------------


@dataclass
class Run:
    wall_s: float
    max_rss_kib: int
    cpu_s: float  # user + system time of the child and its reaped descendants
    exit_code: int  # negative: killed by that signal
    ok: bool
    note: str = ""
    stdout_head: str = field(default="", repr=False)


def _maxrss_kib(value: int) -> int:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    return value // 1024 if sys.platform == "darwin" else value


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _tail(path: Path, limit: int = 1500) -> str:
    return _read(path)[-limit:].decode("utf-8", "replace").strip()


def measure(argv: list[str], *, ok_codes: set[int], timeout: float, env: dict[str, str],
            cwd: Path, stdout: str = "discard", traceback_is_crash: bool = False) -> Run:
    """Run ``argv`` once; time it and read its rusage from ``os.wait4``.

    ``stdout``: "discard" (to /dev/null), "keep" (first lines kept in ``stdout_head``) or
    "json" (written to a file, then checked to be valid JSON: a crash if it is not).
    ``traceback_is_crash``: a Python traceback on stderr is a crash whatever the exit status
    (not for Checkov, which prints one when its optional guidelines download fails offline).
    """
    capture_stdout = stdout != "discard"
    with tempfile.TemporaryDirectory(prefix="gc-bench-") as tmp:
        out_path = Path(tmp) / "stdout"
        err_path = Path(tmp) / "stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=out if capture_stdout else
                    subprocess.DEVNULL, stderr=err, env=env, cwd=cwd, start_new_session=True)
            except OSError as exc:
                return Run(0.0, 0, 0.0, -1, False, f"cannot start {argv[0]}: {exc}")
            timed_out = threading.Event()

            def _kill() -> None:
                timed_out.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: workers too

            timer = threading.Timer(timeout, _kill)
            timer.start()
            try:
                while True:
                    try:
                        _, status, usage = os.wait4(proc.pid, 0)
                        break
                    except InterruptedError:
                        continue
            finally:
                timer.cancel()
            wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped here; keep Popen from waiting again
        run = Run(
            wall_s=wall,
            max_rss_kib=_maxrss_kib(usage.ru_maxrss),
            cpu_s=usage.ru_utime + usage.ru_stime,
            exit_code=code,
            ok=code in ok_codes and not timed_out.is_set(),
        )
        if timed_out.is_set():
            run.note = f"killed after the {timeout:g} s timeout"
        elif code < 0:
            run.note = f"killed by signal {-code}"
        elif code not in ok_codes:
            run.note = f"exit status {code}: {_tail(err_path)}"
        elif traceback_is_crash and b"Traceback (most recent call last)" in _read(err_path):
            run.ok = False
            run.note = f"traceback on stderr: {_tail(err_path)}"
        if stdout == "keep":
            run.stdout_head = out_path.read_bytes()[:4096].decode("utf-8", "replace")
        elif stdout == "json" and run.ok:
            run.note = _validate_json_file(out_path)
            run.ok = not run.note
    return run


def _validate_json_file(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
    except (OSError, ValueError) as exc:
        return f"output is not valid JSON: {exc}"
    return ""


def _devnull_intact() -> bool:
    try:
        return stat.S_ISCHR(os.stat(os.devnull).st_mode)
    except OSError:
        return False


# --------------------------------------------------------------------------------------
# Tools and targets
# --------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    argv: list[str]  # the command prefix, e.g. ["gitops-compliance"] or [python, -m, engine]
    env: dict[str, str]
    how: str  # where the command came from, for the report


def find_ours(override: str | None) -> Tool | str:
    env = dict(os.environ)
    if override:
        argv = shlex.split(override)
        if not argv or not (shutil.which(argv[0]) or Path(argv[0]).is_file()):
            return f"--ours {override!r}: command not found"
        return Tool(OURS, argv, env, "--ours")
    found = shutil.which(OURS)
    if found:
        return Tool(OURS, [found], env, "PATH")
    if (REPO / "engine" / "__main__.py").is_file():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        return Tool(OURS, [sys.executable, "-m", "engine"], env,
                    f"python -m engine (from {REPO}; {OURS} is not on PATH)")
    return (f"{OURS} is not on PATH and {REPO}/engine/__main__.py does not exist: install the "
            f"project (pip install -e .) or pass --ours CMD")


def find_checkov(override: str | None) -> Tool | str:
    env = dict(os.environ)
    if override:
        argv = shlex.split(override)
        if not argv or not (shutil.which(argv[0]) or Path(argv[0]).is_file()):
            return f"--checkov {override!r}: command not found"
        return Tool(CHECKOV, argv, env, "--checkov")
    found = shutil.which(CHECKOV)
    if found:
        return Tool(CHECKOV, [found], env, "PATH")
    beside = Path(sys.executable).parent / CHECKOV  # same virtualenv as this interpreter
    if beside.is_file():
        return Tool(CHECKOV, [str(beside)], env, f"{beside} (not on PATH)")
    return f"{CHECKOV} is not on PATH nor beside {sys.executable}: pip install checkov"


@dataclass
class Target:
    name: str
    directory: Path
    framework: str


def detect_framework(directory: Path) -> str:
    if any(directory.rglob("*.tf")):
        return "terraform"
    if any(directory.rglob("Chart.yaml")):
        return "helm"
    return "kubernetes"


def parse_corpus(value: str) -> Target:
    path_text, framework = value, ""
    head, sep, tail = value.rpartition(":")
    if sep and tail in FRAMEWORKS:
        path_text, framework = head, tail
    directory = Path(path_text).expanduser().resolve()
    if not directory.is_dir():
        raise SystemExit(_usage(f"--corpus {value}: {directory} is not a directory"))
    return Target(directory.name, directory, framework or detect_framework(directory))


def default_targets() -> list[Target]:
    targets = []
    for name, framework in DEFAULT_TARGETS:
        directory = DEFAULT_CORPUS / name
        if directory.is_dir():
            targets.append(Target(name, directory, framework))
        else:
            print(f"skip: {directory} is absent (the shared corpus is not on this machine)",
                  file=sys.stderr)
    return targets


def _usage(message: str) -> int:
    print(f"bench/run.py: error: {message}", file=sys.stderr)
    return EXIT_USAGE


# --------------------------------------------------------------------------------------
# Series of runs
# --------------------------------------------------------------------------------------


@dataclass
class Series:
    tool: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    @property
    def good(self) -> list[Run]:
        return [r for r in self.runs if r.ok]

    @property
    def crashed(self) -> bool:
        return any(not r.ok for r in self.runs)

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.good]
        return statistics.median(values) if values else None

    def summary(self) -> dict[str, Any]:
        walls = [r.wall_s for r in self.good]
        return {
            "tool": self.tool,
            "command": self.command,
            "runs": [{k: v for k, v in asdict(r).items() if k != "stdout_head"}
                     for r in self.runs],
            "completed_runs": len(self.good),
            "median_wall_s": _round(self.median("wall_s")),
            "min_wall_s": _round(min(walls)) if walls else None,
            "max_wall_s": _round(max(walls)) if walls else None,
            "median_max_rss_kib": _int(self.median("max_rss_kib")),
            "median_cpu_s": _round(self.median("cpu_s")),
            "crashed": self.crashed,
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs <= 0:
        return None
    return round(ours / theirs, 3)


def interleave(pairs: list[tuple[Tool, list[str], set[int], str]], runs: int, label: str,
               timeout: float, cwd: Path) -> list[Series]:
    """Run each command of ``pairs`` once per round, round after round (A, B, A, B, ...)."""
    series = [Series(tool.name, argv) for tool, argv, _, _ in pairs]
    for round_no in range(1, runs + 1):
        for (tool, argv, ok_codes, stdout), s in zip(pairs, series, strict=True):
            run = measure(argv, ok_codes=ok_codes, timeout=timeout, env=tool.env, cwd=cwd,
                          stdout=stdout, traceback_is_crash=tool.name == OURS)
            if tool.name == OURS and not _devnull_intact():
                run.ok, run.note = False, f"{os.devnull} is no longer a character device"
            s.runs.append(run)
            last = run.note.strip().splitlines()[-1] if run.note.strip() else ""
            status = "ok" if run.ok else f"FAILED ({last})"
            print(f"  [{label} {round_no}/{runs}] {tool.name:<17} {run.wall_s:8.2f} s  "
                  f"{run.max_rss_kib / 1024:8.1f} MiB  exit {run.exit_code}  {status}",
                  file=sys.stderr, flush=True)
    return series


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _fmt_mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.0f} MiB"


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_table(results: dict[str, Any]) -> None:
    header = ("corpus", "tool", "runs", "median wall", "min-max", "peak RSS", "cpu",
              "ratio", "goal")
    rows: list[tuple[str, ...]] = []
    for entry in results["targets"] + ([results["version"]] if results.get("version") else []):
        first = True
        for side in entry["series"]:
            spread = ("-" if side["min_wall_s"] is None
                      else f"{side['min_wall_s']:.2f}-{side['max_wall_s']:.2f}")
            verdict = ratio = ""
            if first:
                ratio = _fmt_ratio(entry.get("ratio_wall"))
                verdict = entry.get("verdict", "")
            rows.append((
                entry["label"] if first else "",
                side["tool"] + (" (CRASHED)" if side["crashed"] else ""),
                f"{side['completed_runs']}/{len(side['runs'])}",
                _fmt_s(side["median_wall_s"]),
                spread,
                _fmt_mib(side["median_max_rss_kib"]),
                _fmt_s(side["median_cpu_s"]),
                ratio,
                verdict,
            ))
            first = False
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header).rstrip())
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row).rstrip())


def scan_verdict(ratio: float | None, ours: Series | None, checkov: Series | None) -> str:
    if ours is None:
        return "not measured"
    if checkov is None:
        return "no baseline"
    if ours.crashed or checkov.crashed or ratio is None:
        return "no result"
    return (f"PASS (<= {SCAN_TARGET_RATIO:.1f}x)" if ratio <= SCAN_TARGET_RATIO
            else f"SLOW (> {SCAN_TARGET_RATIO:.1f}x)")


def version_verdict(ours: Series | None) -> str:
    if ours is None:
        return "not measured"
    median = ours.median("wall_s")
    if ours.crashed or median is None:
        return "no result"
    return (f"PASS (< {VERSION_TARGET_S:g} s)" if median < VERSION_TARGET_S
            else f"SLOW (>= {VERSION_TARGET_S:g} s)")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Interleaved wall-time and peak-RSS benchmark of gitops-compliance "
                    "against checkov on IaC corpora.",
        epilog="Exit status: 0 all measured (even if slow), 1 a tool crashed, "
               "2 usage error or tool missing.",
    )
    parser.add_argument("--corpus", action="append", default=[], metavar="DIR[:FRAMEWORK]",
                        help="a directory to scan; repeatable. FRAMEWORK (terraform, "
                             "kubernetes, helm) is detected when omitted. Default: "
                             "kubernetes-examples and terraform-aws-s3-bucket from "
                             f"{DEFAULT_CORPUS}")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each command per target, interleaved (default 3; "
                             "fewer than 3 is a smoke test, not a result)")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument("--only", choices=(OURS, CHECKOV),
                        help="measure one side only (no ratios)")
    parser.add_argument("--no-version", action="store_true",
                        help="skip the --version measurement")
    parser.add_argument("--no-scan", action="store_true",
                        help="skip the scans (measure --version only)")
    parser.add_argument("--ours", metavar="CMD",
                        help=f"command for {OURS} (default: {OURS} on PATH, else "
                             "python -m engine from this checkout)")
    parser.add_argument("--checkov", metavar="CMD",
                        help="command for checkov (default: checkov on PATH, else beside "
                             "this Python)")
    parser.add_argument("--ours-arg", action="append", default=[], metavar="ARG",
                        help=f"extra argument appended to every '{OURS} scan' (e.g. "
                             "--ours-arg=--no-cache); repeatable")
    parser.add_argument("--checkov-arg", action="append", default=[], metavar="ARG",
                        help="extra argument appended to every 'checkov -d'; repeatable")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds before one run is killed and counted as a crash "
                             "(default 1800)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.runs < 1:
        return _usage("--runs must be at least 1")
    if args.runs < 3:
        print(f"warning: --runs {args.runs}: fewer than 3 interleaved runs is a smoke test, "
              "not a benchmark result", file=sys.stderr)

    tools: dict[str, Tool] = {}
    for name, finder, override in ((OURS, find_ours, args.ours),
                                   (CHECKOV, find_checkov, args.checkov)):
        if args.only and args.only != name:
            continue
        found = finder(override)
        if isinstance(found, str):
            return _usage(found)
        tools[name] = found

    targets = ([parse_corpus(c) for c in args.corpus] if args.corpus else default_targets())
    if args.no_version and (args.no_scan or not targets):
        return _usage("nothing to measure")

    work = Path(tempfile.mkdtemp(prefix="gc-bench-cwd-"))  # neutral cwd: no config found here
    results: dict[str, Any] = {
        "benchmark": "gitops-compliance vs checkov",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs_per_command": args.runs,
        "interleaved": True,
        "targets_definition": {
            "version_median_wall_s_below": VERSION_TARGET_S,
            "scan_wall_ratio_at_most": SCAN_TARGET_RATIO,
        },
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpu_count": os.cpu_count(),
            "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg")
            else None,
        },
        "tools": {name: {"command": t.argv, "found_via": t.how} for name, t in tools.items()},
        "targets": [],
        "version": None,
    }
    crashed = False
    try:
        if not args.no_version:
            print("--version", file=sys.stderr)
            pairs = [(t, [*t.argv, "--version"], VERSION_OK, "keep") for t in tools.values()]
            series = interleave(pairs, args.runs, "--version", args.timeout, work)
            by_tool = {s.tool: s for s in series}
            for s in series:
                head = next((r.stdout_head for r in s.runs if r.ok and r.stdout_head), "")
                lines = head.strip().splitlines()
                results["tools"][s.tool]["version"] = lines[-1] if lines else None
            results["version"] = {
                "label": "--version",
                "series": [s.summary() for s in series],
                "ratio_wall": _ratio(by_tool[OURS].median("wall_s"),
                                     by_tool[CHECKOV].median("wall_s"))
                if len(by_tool) == 2 else None,
                "verdict": version_verdict(by_tool.get(OURS)),
            }
            crashed |= any(s.crashed for s in series)

        if not args.no_scan:
            for target in targets:
                label = f"{target.name} ({target.framework})"
                print(label, file=sys.stderr)
                pairs = []
                if OURS in tools:
                    t = tools[OURS]
                    pairs.append((t, [*t.argv, "scan", str(target.directory),
                                      "-o", f"json={os.devnull}", "--fail-on", "none",
                                      "--no-cache", *args.ours_arg], SCAN_OK[OURS], "discard"))
                if CHECKOV in tools:
                    t = tools[CHECKOV]
                    pairs.append((t, [*t.argv, "-d", str(target.directory), "--framework",
                                      target.framework, "--quiet", "-o", "json", "--compact",
                                      *args.checkov_arg], SCAN_OK[CHECKOV], "json"))
                series = interleave(pairs, args.runs, target.name, args.timeout, work)
                by_tool = {s.tool: s for s in series}
                ratio = (_ratio(by_tool[OURS].median("wall_s"),
                                by_tool[CHECKOV].median("wall_s"))
                         if len(by_tool) == 2 else None)
                incomplete = [r for r in by_tool[OURS].runs if r.exit_code == 3] \
                    if OURS in by_tool else []
                results["targets"].append({
                    "label": label,
                    "name": target.name,
                    "directory": str(target.directory),
                    "framework": target.framework,
                    "series": [s.summary() for s in series],
                    "ratio_wall": ratio,
                    "ratio_max_rss": (_ratio(by_tool[OURS].median("max_rss_kib"),
                                             by_tool[CHECKOV].median("max_rss_kib"))
                                      if len(by_tool) == 2 else None),
                    "ours_incomplete_runs": len(incomplete),
                    "verdict": scan_verdict(ratio, by_tool.get(OURS), by_tool.get(CHECKOV)),
                })
                crashed |= any(s.crashed for s in series)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print()
    print_table(results)
    for entry in results["targets"]:
        if entry["ours_incomplete_runs"]:
            print(f"note: {entry['label']}: {OURS} exited 3 (scan incomplete: a file failed "
                  f"to parse or render) in {entry['ours_incomplete_runs']} run(s); "
                  "timings kept", file=sys.stderr)
    for entry in results["targets"] + ([results["version"]] if results["version"] else []):
        for side in entry["series"]:
            for run in side["runs"]:
                if not run["ok"]:
                    print(f"crash: {entry['label']}: {side['tool']}: {run['note']}",
                          file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults written to {args.json}")
    return EXIT_CRASH if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
