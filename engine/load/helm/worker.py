"""The render worker: a child process that owns Helm's Go runtime.

Run as ``python -m engine.load.helm.worker``. Reads one JSON request per line on stdin,
answers one JSON line on the original stdout. Helm is loaded here and only here: the SDK
cannot be cancelled, and a Go fatal error (out of memory, a runtime panic outside recover)
ends the process — this one, never the scanner. The parent enforces the time and memory
limits by killing it (engine/load/helm/renderer.py).

Request: ``{"chart": <absolute path>, "values": {...}, "set": [...], "set_string": [...],
"name": <release>, "namespace": <namespace>}``. Answer: ``{"ok": true, "manifests":
{template key: text}, "crds": [...], "declared": [...], "vendored": [...], "merged": {...}}``
or ``{"ok": false, "error": <Helm's message>, "type": <error class>}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from typing import Any, TextIO

from engine.mappings import deep_merge

PARENT_ENV = "GITOPS_COMPLIANCE_RENDER_PARENT"  # the scan's pid, set by the renderer


def render(request: dict[str, Any]) -> dict[str, Any]:
    import helm_python as helm

    try:
        values: dict[str, Any] = request.get("values") or {}
        for expression in request.get("set") or []:
            values = deep_merge(values, helm.parse_set_string(expression))
        for expression in request.get("set_string") or []:
            values = deep_merge(values, helm.parse_set_string_values(expression))
        with helm.Chart.load(request["chart"]) as chart:
            metadata = chart.metadata
            vendored = [str(d.get("name", "")) for d in chart.dependencies]
            merged = chart.merge_values(values)
            manifests = chart.render(values, name=request["name"],
                                     namespace=request["namespace"], is_install=True)
            crds = chart.crds
        return {"ok": True, "manifests": manifests, "crds": crds,
                "declared": metadata.get("dependencies") or [], "vendored": vendored,
                "merged": merged}
    except helm.HelmError as exc:
        return {"ok": False, "error": str(exc), "type": type(exc).__name__}


def serve(requests: TextIO, answers: TextIO) -> None:
    for line in requests:
        if not line.strip():
            continue
        try:
            answer = render(json.loads(line))
        except Exception as exc:  # an answer, whatever happens: the parent waits for one
            answer = {"ok": False, "error": f"render worker failed: {type(exc).__name__}",
                      "type": type(exc).__name__}
        answers.write(json.dumps(answer, sort_keys=True) + "\n")
        answers.flush()


def _die_with_parent() -> None:
    """A SIGKILL of the scan cannot be handled there (engine/cli/interrupt.py handles the
    others): ask the kernel to end this worker with its parent (Linux PR_SET_PDEATHSIG), so
    a template that never ends cannot keep an orphan spinning. Elsewhere: a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if str(os.getppid()) != os.environ.get(PARENT_ENV, str(os.getppid())):
        os._exit(1)  # the parent died before the request took effect


def main() -> None:
    _die_with_parent()
    # Keep the answer channel private: whatever the Go library or a library log prints on
    # fd 1 must not corrupt the protocol, so fd 1 becomes stderr's twin from here on.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, answers)


if __name__ == "__main__":
    main()
