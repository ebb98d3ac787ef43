"""Shared test helpers: real git repositories in temporary folders and an in-process CLI.

The CLI runs in-process (``engine.cli.main.main``) so every end-to-end test shares one
imported Checkov; the few tests that must see a real process (import hygiene, the wheel)
start one explicitly.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest

from engine.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent
SHARED = REPO_ROOT.parent / "shared"


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.out)
        return document


def run_cli(*argv: str) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return CliRun(code, out.getvalue(), err.getvalue())


def make_repo(path: Path, files: dict[str, str] | None = None, source: Path | None = None,
              message: str = "initial") -> git.Repo:
    """A real git repository at ``path`` with ``source`` copied in and ``files`` written."""
    path.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copytree(source, path, dirs_exist_ok=True)
    for name, text in (files or {}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test Author")
        config.set_value("user", "email", "author@example.com")
        config.set_value("commit", "gpgsign", "false")
    repo.git.add(A=True)
    repo.index.commit(message)
    return repo


@pytest.fixture
def repo_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(fixture: str | None = None, files: dict[str, str] | None = None,
                name: str = "repo") -> Path:
        target = tmp_path / name
        make_repo(target, files, FIXTURES / fixture if fixture else None)
        return target
    return factory


def findings_by(document: dict[str, Any]) -> set[tuple[str, str, str, int]]:
    """(policy id, resource, file, line) of every failed finding in a JSON report."""
    return {(f["policy_id"], f["resource"], f["file"], f["line"])
            for f in document["findings"] if f["status"] == "failed"}


@pytest.fixture(autouse=True)
def private_result_cache(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own empty result cache: no test reads another's entries, and no
    scan of this checkout writes into the developer's ``.git`` (tests of the default
    location delete the variable)."""
    from engine.cache.store import CACHE_DIR_ENV

    directory = tmp_path_factory.mktemp("result-cache")
    monkeypatch.setenv(CACHE_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to open a network connection fails loudly and is recorded."""
    import socket

    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network access attempted during an offline scan")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
