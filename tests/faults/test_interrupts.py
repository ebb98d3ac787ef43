"""An interrupted run: no half-written report, no temporary file, no orphaned worker.

Each run is a real ``python -m engine`` process stopped at a point the test observes from
outside, never after a sleep: its Helm render worker exists and is rendering a template that
does not end, or it is blocked writing a report into a FIFO whose buffer the test keeps full.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, make_repo

# 10^10 iterations of an empty loop: the render is still running when the test signals.
ENDLESS_TEMPLATE = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: endless\ndata:\n'
                    '  n: "{{ range $i := until 100000 }}{{ range $j := until 100000 }}'
                    '{{ end }}{{ end }}"\n')
PREVIOUS = '{"previous": "report"}\n'


def _wait_for(condition: Callable[[], object], what: str, timeout: float = 120) -> object:
    """Poll an observable condition (not a sleep standing in for one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    return subprocess.Popen([sys.executable, "-m", "engine", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def endless_chart_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    make_repo(repo, {
        "chart/Chart.yaml": "apiVersion: v2\nname: endless\nversion: 0.1.0\n",
        "chart/templates/cm.yaml": ENDLESS_TEMPLATE,
        # The render limit is far away: only the signal can end this render.
        ".gitops-compliance.yaml": "helm:\n  timeout_seconds: 600\n",
    })
    return repo


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("mode", [[], ["--ref", "HEAD"]], ids=["worktree", "git-ref"])
def test_a_signal_during_helm_rendering_leaves_nothing_behind(
        endless_chart_repo: Path, tmp_path: Path, signum: int, code: int,
        mode: list[str]) -> None:
    report = tmp_path / "out" / "scan.json"
    report.parent.mkdir()
    report.write_text(PREVIOUS)
    run = _start(["scan", str(endless_chart_repo), "--no-checkov", *mode,
                  "-o", f"json={report}"], tmp_path)
    try:
        worker = _wait_for(lambda: [p for p in _children(run.pid)
                                    if "engine.load.helm.worker" in _cmdline(p)],
                           "the Helm render worker")
        assert isinstance(worker, list)
        run.send_signal(signum)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == code, err
    name = signal.Signals(signum).name
    assert err == (f"gitops-compliance: interrupted by {name}; the run did not finish and has "
                   f"no verdict (exit {code}). Output files not yet written were left as they "
                   "were; none is half-written.\n")
    assert report.read_text() == PREVIOUS
    assert sorted(p.name for p in report.parent.iterdir()) == ["scan.json"]
    # The worker (in its own session, so no terminal signal reaches it) was killed...
    assert not any(_alive(pid) for pid in worker)
    # ...and the git-mode snapshot folders were removed (lark's grammar cache may stay).
    assert _ours(tmp_path / "tmpdir") == []


def _ours(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "gitops-compliance" in p.name)


def _full_fifo(path: Path) -> Iterator[int]:
    """Hold both ends of a FIFO with a one-page buffer, so a writer blocks after 4 KiB."""
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)  # never blocks, and the writer's open won't
    try:
        fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
        yield fd
    finally:
        os.close(fd)


def _queued(fd: int) -> int:
    buffer = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buffer)
    return int.from_bytes(buffer, sys.byteorder)


def test_a_signal_while_a_report_is_being_written_leaves_the_others_whole_or_untouched(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    first, last = tmp_path / "first.txt", tmp_path / "last.json"
    last.write_text(PREVIOUS)
    fifo = tmp_path / "blocked.json"
    for fd in _full_fifo(fifo):
        run = _start(["scan", str(repo), "--no-checkov", "-o", f"text={first}",
                      "-o", f"json={fifo}", "-o", f"json={last}"], tmp_path)
        try:
            # The pipe is full: the process is inside the second output's write and cannot
            # leave it.
            _wait_for(lambda fd=fd: _queued(fd) >= 4096, "the FIFO to fill")  # type: ignore[misc]
            assert run.poll() is None
            run.send_signal(signal.SIGTERM)
            _, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 143, err
        assert os.read(fd, 5) == b'{\n  "'  # what it was writing: the JSON report, in place
    assert "Verdict: BLOCKED" in first.read_text()  # written before: complete
    assert last.read_text() == PREVIOUS  # not reached: untouched
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "repo") == [
        "blocked.json", "first.txt", "last.json", "tmpdir"]
    assert _ours(tmp_path / "tmpdir") == []


def test_a_killed_scan_takes_its_render_worker_with_it(endless_chart_repo: Path,
                                                       tmp_path: Path) -> None:
    """SIGKILL cannot be handled; the kernel ends the worker with its parent."""
    run = _start(["scan", str(endless_chart_repo), "--no-checkov", "-o", "json"], tmp_path)
    try:
        worker = _wait_for(lambda: [p for p in _children(run.pid)
                                    if "engine.load.helm.worker" in _cmdline(p)],
                           "the Helm render worker")
        assert isinstance(worker, list)
        run.kill()
        run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == -9
    _wait_for(lambda: not any(_alive(pid) for pid in worker), "the worker to end")
