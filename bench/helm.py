#!/usr/bin/env python3
"""Helm: render time per chart, and a chart scan against ``checkov -d`` on pre-rendered YAML.

    python bench/helm.py [--charts DIR] [--runs 3] [--json FILE]

1. **Render time** of every chart under ``--charts`` (default ``../shared/corpus/helm-charts``)
   and of ``manifests/helm/text-embedder``, per values set: the project's own path
   (``engine.load.helm.chart.load_chart`` — values, the render worker round trip, parsing,
   template lines), median of ``--runs`` on a warm worker; the worker's cold start once.
2. **Scan time**, interleaved (ours, checkov, ours, checkov, ...), median of ``--runs``:
   ``gitops-compliance scan CHARTS -o json=/dev/null --fail-on none`` (renders, then Rego +
   Checkov) against ``checkov -d PRE --framework kubernetes --quiet -o json --compact``, where
   PRE holds the same charts rendered to YAML by this renderer beforehand (what ``helm
   template --output-dir`` would give; Checkov's ``--framework helm`` needs a ``helm`` binary
   and scans nothing without one). Charts that fail to render (``prometheus``, whose
   subcharts are not vendored) are left out of PRE: the scan checks none of their objects.

Unlike bench/run.py this imports the project (for the renderer); it reuses run.py's
measuring (``os.wait4`` rusage of each child).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import run as bench  # noqa: E402  (bench/run.py: measuring and tool discovery)

from engine.config import HelmConfig  # noqa: E402
from engine.discover.helm import plan_charts  # noqa: E402
from engine.load.helm.chart import load_chart  # noqa: E402
from engine.load.helm.renderer import Renderer, RenderLimits  # noqa: E402

MANIFESTS_CHART = BENCH.parent / "manifests" / "helm" / "text-embedder"


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def render_times(root: Path, charts: list[str], runs: int, config: HelmConfig,
                 renderer: Renderer) -> list[dict[str, Any]]:
    files = _files(root)
    plan = plan_charts(charts, files, config)
    rows = []
    for identity, values_set in sorted(plan.values_sets.items()):
        member_files = [f for f in files if f.startswith(f"{values_set.chart}/")]
        times, objects, errors = [], 0, 0
        for _ in range(runs):
            started = time.perf_counter()
            loaded = load_chart(root, values_set, member_files, renderer)
            times.append(time.perf_counter() - started)
            objects, errors = len(loaded.resources), len(loaded.errors)
        rows.append({"unit": identity, "median_s": round(statistics.median(times), 4),
                     "objects": objects, "errors": errors})
    return rows


def prerender(root: Path, charts: list[str], out: Path, renderer: Renderer) -> list[str]:
    """Each chart's defaults rendered to ``out/<chart>/<template key>``; returns the charts
    that rendered (and whose dependencies are all present)."""
    files = _files(root)
    plan = plan_charts(charts, files, HelmConfig())
    rendered = []
    for values_set in plan.values_sets.values():
        member_files = [f for f in files if f.startswith(f"{values_set.chart}/")]
        if load_chart(root, values_set, member_files, renderer).errors:
            continue
        answer = renderer.render(root / values_set.chart, {}, name=values_set.release_name,
                                 namespace=values_set.namespace)
        for key, text in answer.payload["manifests"].items():
            if key.endswith("NOTES.txt") or not text.strip():
                continue
            target = out / values_set.chart / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        rendered.append(values_set.chart)
    return sorted(rendered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=Path,
                        default=bench.DEFAULT_CORPUS / "helm-charts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    root = args.charts.resolve()
    if not root.is_dir():
        print(f"skip: {root} is absent (the shared corpus is not on this machine)",
              file=sys.stderr)
        return 0
    charts = sorted(p.parent.name for p in root.glob("*/Chart.yaml"))
    limits = RenderLimits(timeout_seconds=60, memory_mb=1024)
    results: dict[str, Any] = {"charts": str(root), "runs": args.runs}

    started = time.perf_counter()
    with Renderer(limits) as renderer:
        renderer.render(MANIFESTS_CHART, {}, name="cold", namespace="bench")
        results["worker_cold_start_s"] = round(time.perf_counter() - started, 3)
        results["render"] = render_times(root, charts, args.runs, HelmConfig(), renderer)
        results["render"] += render_times(MANIFESTS_CHART.parent.parent, ["helm/text-embedder"],
                                          args.runs, HelmConfig(), renderer)
        with tempfile.TemporaryDirectory(prefix="gc-bench-helm-") as tmp:
            pre = Path(tmp)
            results["prerendered"] = prerender(root, charts, pre, renderer)
            ours, checkov = bench.find_ours(None), bench.find_checkov(None)
            if isinstance(ours, str) or isinstance(checkov, str):
                print(ours if isinstance(ours, str) else checkov, file=sys.stderr)
                return bench.EXIT_USAGE
            pairs = [
                (ours, [*ours.argv, "scan", str(root), "-o", "json=/dev/null", "--fail-on",
                        "none"], bench.SCAN_OK[bench.OURS], "discard"),
                (checkov, [*checkov.argv, "-d", str(pre), "--framework", "kubernetes",
                           "--quiet", "-o", "json", "--compact"], bench.SCAN_OK[bench.CHECKOV],
                 "json"),
            ]
            series = bench.interleave(pairs, args.runs, "helm-charts", args.timeout, BENCH.parent)
    ours_s, checkov_s = series[0].summary(), series[1].summary()
    results["scan"] = {"ours": ours_s, "checkov": checkov_s,
                       "ratio": bench._ratio(ours_s["median_wall_s"], checkov_s["median_wall_s"])}

    print(f"worker cold start: {results['worker_cold_start_s']:.3f} s")
    print(f"{'unit':<58} {'render':>9} {'objects':>8} {'errors':>7}")
    for row in results["render"]:
        print(f"{row['unit']:<58} {row['median_s'] * 1000:7.1f}ms {row['objects']:>8} "
              f"{row['errors']:>7}")
    print(f"scan {root.name}: gitops-compliance {bench._fmt_s(ours_s['median_wall_s'])}, "
          f"{bench._fmt_mib(ours_s['median_max_rss_kib'])}; checkov -d (pre-rendered "
          f"{len(results['prerendered'])} charts) {bench._fmt_s(checkov_s['median_wall_s'])}, "
          f"{bench._fmt_mib(checkov_s['median_max_rss_kib'])}; "
          f"ratio {bench._fmt_ratio(results['scan']['ratio'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return bench.EXIT_CRASH if series[0].crashed or series[1].crashed else 0


if __name__ == "__main__":
    sys.exit(main())
