"""A full scan (Checkov included) with the network really gone (a new, empty network
namespace: ``unshare -n``; we run as root) and ``HOME`` pointing at a regular file, so
nothing can create ``~/.cache``, ``~/.checkov`` or any other per-user folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cache.store import CACHE_DIR_ENV
from tests.conftest import FIXTURES, REPO_ROOT, findings_by, run_cli

pytestmark = pytest.mark.slow


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True,
                          check=False).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -n (root, user namespaces)")
def test_a_full_scan_without_network_and_with_home_a_regular_file(tmp_path: Path) -> None:
    # Outside git, so the result cache would live under HOME (platformdirs): it cannot.
    folder = tmp_path / "plain"
    shutil.copytree(FIXTURES / "e2e" / "noncompliant", folder)
    home = tmp_path / "home"
    home.write_text("a regular file, not a folder\n")
    env = {k: v for k, v in os.environ.items()
           if k not in (CACHE_DIR_ENV, "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    env["HOME"] = str(home)
    # The namespace really has no network (so the scan below proves something).
    probe = subprocess.run(
        ["unshare", "-n", sys.executable, "-c",
         "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 443), timeout=5)\n"
         "except OSError as exc:\n    print(exc.errno)\n"],
        capture_output=True, text=True, check=True, env=env)
    assert probe.stdout.strip() == "101"  # ENETUNREACH
    report = tmp_path / "scan.json"
    done = subprocess.run(["unshare", "-n", sys.executable, "-m", "engine", "scan", str(folder),
                           "-o", f"json={report}"], capture_output=True, text=True,
                          check=False, env=env, cwd=REPO_ROOT, timeout=600)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    document = json.loads(report.read_text())
    reference = run_cli("scan", str(folder), "-o", "json", "--no-cache").json()
    assert findings_by(document) == findings_by(reference)
    assert document["errors"] == reference["errors"] == []
    assert "checkov" in document["tool"]["versions"]
    assert any(f["engine"] == "checkov" for f in document["findings"])
    cache = home / ".cache" / "gitops-compliance" / "results"
    failures = document["scan"]["cache"]["write_failures"]
    assert failures > 0
    assert document["notes"] == [f"the result cache at {cache} could not be written (Not a "
                                 f"directory); {failures} result(s) were computed but not cached"]
    assert home.read_text() == "a regular file, not a folder\n"
