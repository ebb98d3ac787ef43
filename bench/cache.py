#!/usr/bin/env python3
"""Benchmark the result cache: cold vs warm scans, and ``--checkov cached`` after a change.

For each corpus folder, a copy is committed to a temporary git repository (so the copy is
the scan root) and scanned with a private cache folder (``GITOPS_COMPLIANCE_CACHE_DIR``):

* cold: the cache folder emptied before each run;
* warm: everything cached (a full hit);
* one unit changed: a comment appended to one file (new content every run), then
  ``--checkov cached`` (the pre-commit fast path) and ``--checkov run``.

Cold and warm runs are interleaved; every figure is the median of ``--runs`` (default 3)
wall times of the installed ``gitops-compliance`` command. Standard library only.

    python bench/cache.py manifests ../shared/corpus/terraform-aws-s3-bucket
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(root: Path, cache: Path, *extra: str) -> float:
    env = {**os.environ, "GITOPS_COMPLIANCE_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(["gitops-compliance", "scan", str(root), "-o", f"json={os.devnull}",
                           "--fail-on", "none", *extra], env=env, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        sys.exit(f"scan failed ({done.returncode}): {done.stderr}")
    return elapsed


def pick_file(root: Path) -> Path:
    """The first Terraform file in sorted order, else the first YAML file."""
    for pattern in ("**/*.tf", "**/*.yaml"):
        found = sorted(p for p in root.glob(pattern) if ".git" not in p.parts)
        if found:
            return found[0]
    sys.exit(f"{root}: nothing to change")


def bench(corpus: Path, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "repo"
        shutil.copytree(corpus, root)
        for command in (["init", "-q"], ["add", "-A"],
                        ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "i"]):
            subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)
        cache = Path(temporary) / "cache"
        cold, warm = [], []
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(run(root, cache))
            warm.append(run(root, cache))
        target = pick_file(root)
        cached_mode, run_mode = [], []
        for index in range(runs):
            with target.open("a", encoding="utf-8") as handle:
                handle.write(f"\n# bench change {index}\n")
            cached_mode.append(run(root, cache, "--checkov", "cached"))
            with target.open("a", encoding="utf-8") as handle:
                handle.write(f"\n# bench change {index}b\n")
            run_mode.append(run(root, cache, "--checkov", "run"))
        return {"cold": statistics.median(cold), "warm": statistics.median(warm),
                "one change, --checkov cached": statistics.median(cached_mode),
                "one change, --checkov run": statistics.median(run_mode),
                "changed file": str(target.relative_to(root))}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for corpus in args.corpus:
        results = bench(corpus.resolve(), args.runs)
        print(f"{corpus}:")
        for name, value in results.items():
            shown = f"{value:.2f} s" if isinstance(value, float) else value
            print(f"  {name:32} {shown}")


if __name__ == "__main__":
    main()
