"""Full disks, unwritable paths and special files (tests run as root: chmod proves nothing,
so the faults are /dev/full, a path under a regular file and a FIFO)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli.interrupt import Interrupted
from engine.report.writer import OutputError, write_atomic, writes_in_place
from tests.conftest import REPO_ROOT, findings_by, make_repo, run_cli

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")


def _dev_listing() -> set[str]:
    return {p.name for p in Path("/dev").iterdir()}


def test_a_fifo_is_written_into_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "the whole report\n")
    reader.join(timeout=30)
    assert received == [b"the whole report\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file renamed over it
    assert [p.name for p in tmp_path.iterdir()] == ["report.fifo"]


def test_a_full_device_is_an_error_and_stays_a_device() -> None:
    before = _dev_listing()
    with pytest.raises(OutputError) as raised:
        write_atomic(FULL, "x" * 100_000)
    assert str(raised.value) == "cannot write /dev/full: No space left on device"
    assert stat.S_ISCHR(os.lstat(FULL).st_mode)
    assert _dev_listing() == before  # no temporary file was created in /dev


def test_dev_stdout_is_written_in_place_even_when_it_is_a_regular_file(tmp_path: Path) -> None:
    log = tmp_path / "log"
    code = ("from pathlib import Path\nfrom engine.report.writer import write_atomic\n"
            "print('before', flush=True)\nwrite_atomic(Path('/dev/stdout'), 'report\\n')\n")
    before = _dev_listing()
    with log.open("w") as handle:
        subprocess.run([sys.executable, "-c", code], stdout=handle, check=True, cwd=REPO_ROOT)
    assert log.read_text() == "before\nreport\n"  # appended through the descriptor
    assert os.path.islink("/dev/stdout") and _dev_listing() == before
    assert writes_in_place(Path("/dev/stdout")) and writes_in_place(Path("/proc/self/fd/1"))
    assert not writes_in_place(tmp_path / "new.json")


def test_a_symlinked_report_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["latest.json"]


def test_an_interrupt_mid_write_removes_the_temporary_and_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "scan.json"
    target.write_text("previous")

    def interrupted(fd: int) -> None:  # the signal lands after the bytes, before the rename
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        raise Interrupted(15)

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(Interrupted):
        write_atomic(target, "new report")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]


def test_scan_output_to_a_full_disk_fails_that_output_only(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    text = tmp_path / "scan.txt"
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json=/dev/full",
                  "-o", f"text={text}")
    assert run.code == 3
    assert run.err == ("gitops-compliance: error: json output: cannot write /dev/full: "
                       "No space left on device\n")
    assert "Verdict: BLOCKED" in text.read_text()  # the other output was still written


def test_scan_output_under_a_regular_file_is_a_clear_error(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    blocker = tmp_path / "somefile"
    blocker.write_text("x")
    run = run_cli("scan", str(repo), "--no-checkov", "-o", f"json={blocker}/out.json",
                  "-o", "text")
    assert run.code == 3
    assert run.err == (f"gitops-compliance: error: json output: cannot write "
                       f"{blocker}/out.json: Not a directory\n")
    assert "Verdict: BLOCKED" in run.out
    assert blocker.read_text() == "x"


def test_policy_test_junit_to_a_full_disk(tmp_path: Path) -> None:
    text = tmp_path / "tests.txt"
    run = run_cli("policy", "test", "-o", "junit=/dev/full", "-o", f"text={text}")
    assert run.code == 3
    assert run.err == ("gitops-compliance: error: junit output: cannot write /dev/full: "
                       "No space left on device\n")
    assert " passed, 0 failed, 0 errors in " in text.read_text()


def _stdout_to_full(*argv: str) -> subprocess.CompletedProcess[str]:
    with FULL.open("w") as full:
        return subprocess.run([sys.executable, "-m", "engine", *argv], stdout=full,
                              stderr=subprocess.PIPE, text=True, check=False, cwd=REPO_ROOT)


def test_waivers_check_and_policy_test_with_standard_output_on_a_full_disk(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo, {".gitops-compliance/waivers.yaml": "waivers: []\n"})
    for argv in (("waivers", "check", str(repo)), ("policy", "list")):
        done = _stdout_to_full(*argv)
        assert done.returncode == 3, (argv, done.stderr)
        assert "No space left on device" in done.stderr
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_cache_folder_under_a_regular_file_still_scans_correctly(
        repo_factory: Callable[..., Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cache.store import CACHE_DIR_ENV

    repo = repo_factory("e2e/noncompliant")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    expected = run_cli("scan", str(repo), "--no-checkov", "--no-cache", "-o", "json")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.code == expected.code == 1
    assert run.err == ""
    document = run.json()
    assert findings_by(document) == findings_by(expected.json())
    assert document["scan"]["cache"]["hits"] == 0
    failures = document["scan"]["cache"]["write_failures"]
    assert failures > 0
    assert document["notes"] == [
        f"the result cache at {blocker / 'cache'} could not be written (Not a directory); "
        f"{failures} result(s) were computed but not cached"]
    text = run_cli("scan", str(repo), "--no-checkov")
    assert f"Note: the result cache at {blocker / 'cache'} could not be written" in text.out


def test_a_new_report_gets_the_umask_mode_and_a_replaced_one_keeps_its_mode(
        tmp_path: Path) -> None:
    # mkstemp creates 0600 and the rename kept it: every report was unreadable to anyone
    # but the scanning user (a CI upload step running as another user), and an existing
    # report's mode was reset on every scan.
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.json", "{}\n")
        os.umask(0o022)
        write_atomic(tmp_path / "other.json", "{}\n")
        existing = tmp_path / "kept.json"
        existing.write_text("old\n")
        os.chmod(existing, 0o664)
        write_atomic(existing, "new\n")
    finally:
        os.umask(previous)
    modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode)
             for name in ("new.json", "other.json", "kept.json")}
    assert modes == {"new.json": 0o640, "other.json": 0o644, "kept.json": 0o664}
    assert existing.read_text() == "new\n"
