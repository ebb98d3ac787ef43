"""Run the render worker under a time and a memory limit (DESIGN.md §3, "load").

One worker process serves every chart of a scan (starting Python and Helm's Go runtime
costs about 0.2 s); a render that exceeds a limit, or a worker that dies, is killed and
replaced for the next chart. The worker's resident memory is sampled from ``/proc`` while
it renders (Go reserves gigabytes of address space up front, so ``RLIMIT_AS`` would kill
healthy renders); where ``/proc`` is missing only the time limit applies.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_POLL_SECONDS = 0.02
_PYTHON_ERROR = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit))\b")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class RenderLimits:
    timeout_seconds: float
    memory_mb: int
    output_bytes: int = 64 * 1024 * 1024  # limits.helm_output_bytes


@dataclass(frozen=True)
class RenderAnswer:
    ok: bool
    payload: dict[str, Any]  # the worker's answer (manifests, crds, declared, vendored, merged)
    error: str = ""  # Helm's message, or what the limit did
    limit: bool = False  # True: a limit stopped the render (a limit-exceeded error)


class Renderer:
    """Render charts in a killable child process. Use as a context manager."""

    def __init__(self, limits: RenderLimits) -> None:
        self._limits = limits
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:
            # Unwinding (an interrupt, SIGTERM, a bug): the worker may be deep in a template
            # that never ends; waiting for it would only delay the exit. Kill its whole
            # process group now so no orphan outlives the scan.
            self._kill()
            return
        self.close()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _close_pipes(process)

    def render(self, chart: Path, values: dict[str, Any], *, name: str, namespace: str,
               set_values: tuple[str, ...] = (),
               set_string_values: tuple[str, ...] = ()) -> RenderAnswer:
        request = json.dumps({"chart": str(chart), "values": values, "set": list(set_values),
                              "set_string": list(set_string_values), "name": name,
                              "namespace": namespace}) + "\n"
        process = self._worker()
        assert process.stdin is not None
        try:
            process.stdin.write(request.encode("utf-8"))
            process.stdin.flush()
        except OSError:
            return self._failed("the render worker exited before it took the chart")
        return self._answer(process)

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            if self._process is not None:
                _close_pipes(self._process)
            env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
            # Helm would read repository and registry settings from these; the worker needs
            # none and must not find a user's credentials.
            env["HELM_CONFIG_HOME"] = env["HELM_CACHE_HOME"] = env["HELM_DATA_HOME"] = os.devnull
            env["GITOPS_COMPLIANCE_RENDER_PARENT"] = str(os.getpid())  # see worker.py
            self._process = subprocess.Popen(
                [sys.executable, "-m", "engine.load.helm.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, cwd="/", start_new_session=True,
            )
        return self._process

    def _answer(self, process: subprocess.Popen[bytes]) -> RenderAnswer:
        assert process.stdout is not None and process.stderr is not None
        limit_bytes = self._limits.memory_mb * 1024 * 1024
        deadline = time.monotonic() + self._limits.timeout_seconds
        chunks: list[bytes] = []
        received = 0
        errors: list[bytes] = []
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        try:
            while True:
                if time.monotonic() > deadline:
                    self._kill()
                    return self._failed(
                        f"rendering took longer than the limit of "
                        f"{self._limits.timeout_seconds:g} s (helm.timeout_seconds) and was "
                        "stopped; a template that loops or recurses without end does this",
                        limit=True)
                rss = _resident_bytes(process.pid)
                if rss is not None and rss > limit_bytes:
                    self._kill()
                    return self._failed(
                        f"rendering used more than the limit of {self._limits.memory_mb} MiB "
                        "of memory (helm.memory_mb) and was stopped", limit=True)
                for key, _ in selector.select(timeout=_POLL_SECONDS):
                    data = os.read(key.fd, 1 << 20)
                    if key.fileobj is process.stderr:
                        if data and sum(map(len, errors)) < 65536:
                            errors.append(data)
                        continue
                    if not data:  # the worker died (a Go fatal error, a signal)
                        self._kill()
                        return self._failed("the render worker died"
                                            + _fatal_line(b"".join(errors)))
                    chunks.append(data)
                    received += len(data)
                    if received > self._limits.output_bytes:
                        # The answer is the rendered output (JSON-escaped): past the limit,
                        # a template that multiplies its output is stopped, not buffered.
                        self._kill()
                        return self._failed(
                            f"rendered output larger than the limit limits.helm_output_bytes "
                            f"= {self._limits.output_bytes} and was stopped", limit=True)
                    if data.endswith(b"\n"):
                        return _decode(b"".join(chunks))
        finally:
            selector.close()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, 9)
        except OSError:
            process.kill()
        process.wait()
        _close_pipes(process)

    def _failed(self, message: str, *, limit: bool = False) -> RenderAnswer:
        return RenderAnswer(ok=False, payload={}, error=message, limit=limit)


def _close_pipes(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _decode(raw: bytes) -> RenderAnswer:
    try:
        payload = json.loads(raw)
    except ValueError:
        return RenderAnswer(ok=False, payload={}, error="the render worker answered garbage")
    if not isinstance(payload, dict):
        return RenderAnswer(ok=False, payload={}, error="the render worker answered garbage")
    if payload.get("ok") is True:
        return RenderAnswer(ok=True, payload=payload)
    return RenderAnswer(ok=False, payload=payload, error=str(payload.get("error", "")))


def _resident_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _fatal_line(stderr: bytes) -> str:
    """Go's own first line ("fatal error: runtime: out of memory") says why; nothing more
    (a stack trace can quote values)."""
    lines = stderr.decode("utf-8", errors="replace").splitlines()
    for line in lines:
        if line.startswith(("fatal error:", "panic:", "runtime:")):
            return f" ({line[:200]})"
    for line in reversed(lines):  # a Python exception ended it: its type, not its text
        found = _PYTHON_ERROR.match(line)
        if found:
            return f" ({found.group(1)})"
    return ""


