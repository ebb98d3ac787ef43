"""The first-parent history of a branch, read through GitPython (DESIGN.md §4, "Time").

A period's commits are those on the branch's first-parent chain whose committer date, in
UTC, falls inside it: the commits that landed on the branch (merges of pull requests,
squashed or direct pushes), not the commits of the branches they merged. Nothing is checked
out; the working tree, index and refs are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.source.git_repo import GitRepository

# One record per commit, every field ended by NUL (``-z`` ends each record with one too):
# nothing a committer writes can hold a NUL, so a fixed count of fields splits it exactly.
_FIELDS = ("%H", "%P", "%an", "%ae", "%at", "%cn", "%ce", "%ct", "%s")
_FORMAT = "%x00".join(_FIELDS)


@dataclass(frozen=True)
class CommitInfo:
    """One commit of the first-parent chain, as the report cites it."""

    sha: str
    parents: tuple[str, ...]  # the first parent first; two or more for a merge
    author: str
    author_email: str
    authored: datetime  # UTC
    committer: str
    committer_email: str
    committed: datetime  # UTC: the date every period decision uses
    subject: str

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def cite(self) -> dict[str, str]:
        """How the report names this commit wherever it refers to it."""
        return {"commit": self.sha, "author": f"{self.author} <{self.author_email}>",
                "date": iso(self.committed), "subject": self.subject}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def first_parent_chain(repo: GitRepository, branch: str) -> list[CommitInfo]:
    """Every commit of ``branch``'s first-parent chain, oldest first."""
    text = repo.first_parent_log(repo.resolve(branch), _FORMAT)
    fields = text.split("\x00")
    if fields and fields[-1] == "":
        fields.pop()  # the terminator of the last record
    width = len(_FIELDS)
    if len(fields) % width:
        raise ValueError(f"git log printed {len(fields)} fields, not records of {width}")
    commits = [_parse(fields[i:i + width]) for i in range(0, len(fields), width)]
    commits.reverse()
    return commits


def _parse(fields: list[str]) -> CommitInfo:
    sha, parents, an, ae, at, cn, ce, ct, subject = fields
    return CommitInfo(sha=sha, parents=tuple(parents.split()), author=an, author_email=ae,
                      authored=datetime.fromtimestamp(int(at), UTC), committer=cn,
                      committer_email=ce, committed=datetime.fromtimestamp(int(ct), UTC),
                      subject=subject)


def landed(chain: Sequence[CommitInfo]) -> list[datetime]:
    """When each commit of the chain (oldest first) landed on the branch, as far as its
    history can say: its committer date, or a parent's when that is later. A committer
    date is whatever the committer's clock or GIT_COMMITTER_DATE said: a commit dated
    before its parent cannot have landed before it, so it stays with the commit it
    follows (and is flagged), rather than dropping out of every period and leaving its
    changes to the next committer."""
    latest: datetime | None = None
    out = []
    for commit in chain:
        latest = commit.committed if latest is None else max(latest, commit.committed)
        out.append(latest)
    return out


def split_by_period(chain: Sequence[CommitInfo], start: datetime, end: datetime
                    ) -> tuple[CommitInfo | None, list[CommitInfo]]:
    """The commit the branch stood at when the period began (the last one that landed
    before ``start``; None when the branch did not exist yet) and the period's commits,
    oldest first (landed in ``[start, end)``, see :func:`landed`)."""
    when = landed(chain)
    before = [c for c, t in zip(chain, when, strict=True) if t < start]
    inside = [c for c, t in zip(chain, when, strict=True) if start <= t < end]
    return (before[-1] if before else None), inside
