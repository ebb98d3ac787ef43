"""The first-parent chain of a real repository, split by a period on committer dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.source.git_repo import GitRepository
from engine.source.history import first_parent_chain, landed, split_by_period
from tests.audit.history import commit, git, init


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_committer_dates_decide_and_merged_branches_are_not_walked(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    before = commit(repo, "2026-06-30T23:59:59Z", "last of June", {"a.tf": "# a\n"})
    first = commit(repo, "2026-07-01T00:00:00Z", "first of July", {"a.tf": "# b\n"})
    git(repo, "checkout", "-q", "-b", "topic")
    side = commit(repo, "2026-07-02T00:00:00Z", "on the branch", {"b.tf": "# c\n"})
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge topic", "topic",
        env={"GIT_COMMITTER_DATE": "2026-07-03T00:00:00Z",
             "GIT_AUTHOR_DATE": "2026-07-03T00:00:00Z"})
    merge = git(repo, "rev-parse", "HEAD").strip()
    # Authored in September, committed (landed) in October: October decides.
    late = commit(repo, "2026-10-01T00:00:00Z", "landed in Q4", {"a.tf": "# d\n"},
                  authored="2026-09-15T00:00:00Z")
    gitrepo = GitRepository(repo)
    try:
        chain = first_parent_chain(gitrepo, "main")
    finally:
        gitrepo.close()
    assert [c.sha for c in chain] == [before, first, merge, late]
    assert side not in {c.sha for c in chain}
    assert chain[2].is_merge and chain[2].parents[0] == first
    assert chain[3].authored == _at("2026-09-15T00:00:00")
    start, inside = split_by_period(chain, _at("2026-07-01T00:00:00"),
                                    _at("2026-10-01T00:00:00"))
    assert start is not None and start.sha == before
    assert [c.sha for c in inside] == [first, merge]


def test_a_period_without_commits_starts_and_ends_at_the_last_earlier_commit(
        tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    old = commit(repo, "2026-05-01T00:00:00Z", "May", {"a.tf": "# a\n"})
    commit(repo, "2026-11-01T00:00:00Z", "November", {"a.tf": "# b\n"})
    gitrepo = GitRepository(repo)
    try:
        chain = first_parent_chain(gitrepo, "main")
    finally:
        gitrepo.close()
    start, inside = split_by_period(chain, _at("2026-07-01T00:00:00"),
                                    _at("2026-10-01T00:00:00"))
    assert start is not None and start.sha == old and inside == []
    start, inside = split_by_period(chain, _at("2026-01-01T00:00:00"),
                                    _at("2026-04-01T00:00:00"))
    assert start is None and inside == []


def test_a_commit_dated_before_its_parent_stays_where_it_landed(tmp_path: Path) -> None:
    """A committer date is whatever the committer's clock said. A commit dated before a
    commit it follows cannot have landed before it: it belongs to the period that commit
    is in, so its changes are never blamed on the next committer."""
    repo = init(tmp_path / "r")
    a = commit(repo, "2026-06-20T00:00:00Z", "a", {"a.tf": "# a\n"})
    b = commit(repo, "2026-07-05T00:00:00Z", "b", {"a.tf": "# b\n"})
    c = commit(repo, "2026-06-25T00:00:00Z", "c (clock skew)", {"a.tf": "# c\n"})
    d = commit(repo, "2026-07-09T00:00:00Z", "d", {"a.tf": "# d\n"})
    gitrepo = GitRepository(repo)
    try:
        chain = first_parent_chain(gitrepo, "main")
    finally:
        gitrepo.close()
    assert landed(chain) == [_at("2026-06-20T00:00:00"), _at("2026-07-05T00:00:00"),
                             _at("2026-07-05T00:00:00"), _at("2026-07-09T00:00:00")]
    start, inside = split_by_period(chain, _at("2026-07-01T00:00:00"),
                                    _at("2026-10-01T00:00:00"))
    assert start is not None and start.sha == a
    assert [x.sha for x in inside] == [b, c, d]
    # And Q2 ends at a: the skewed commit is not part of Q2's end tree.
    start, inside = split_by_period(chain, _at("2026-04-01T00:00:00"),
                                    _at("2026-07-01T00:00:00"))
    assert start is None and [x.sha for x in inside] == [a]
