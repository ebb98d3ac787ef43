"""Build real git repositories with back-dated history for the quarterly report's tests.

Each commit sets GIT_AUTHOR_DATE and GIT_COMMITTER_DATE, so a test decides exactly which
period every commit falls in (committer dates, UTC).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

TAGS = """
    gxp-classification  = "non-gxp"
    system-owner        = "platform@example.com"
    validation-status   = "%s"
    data-classification = "internal"
    cost-center         = "cc-100"
"""


def tags(validation: str = "not-validated") -> str:
    return "  tags = {" + TAGS % validation + "  }\n"


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    full = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent),
            **(env or {})}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, text=True,
                          capture_output=True, env=full).stdout


def init(repo: Path, branch: str = "main") -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", branch)
    git(repo, "config", "user.email", "unused@example.com")
    git(repo, "config", "user.name", "unused")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def commit(repo: Path, when: str, message: str, files: Mapping[str, str] | None = None,
           delete: Sequence[str] = (), author: str = "Ana Lima <ana@example.com>",
           authored: str | None = None) -> str:
    """Write ``files``, delete ``delete``, commit everything at ``when`` (ISO, UTC) as
    ``author`` (authored at ``authored``, default the same); returns the commit id."""
    for name in delete:  # first: a deleted folder's name may become a file's
        (repo / name).unlink()
        parent = (repo / name).parent
        while parent != repo and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    for name, text in (files or {}).items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    name, _, email = author.partition(" <")
    env = {"GIT_AUTHOR_DATE": authored or when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"),
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">")}
    git(repo, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()
