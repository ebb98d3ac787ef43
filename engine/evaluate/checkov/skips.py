"""Checkov skips: the governed ones from the config, and the inline ones found in the code.

Config skips (``CheckovSkip``) carry a reason and are honoured. Inline skips — a
``#checkov:skip=ID:reason`` comment in a Terraform block, a ``checkov.io/skip*`` annotation on
a Kubernetes object — are not (DESIGN.md §6): the engine runs the check anyway and reports a
failing result as an unregistered inline suppression (``InlineSuppression``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.globs import path_matches


@dataclass(frozen=True)
class CheckovSkip:
    """A Checkov skip from the config, with the reason the team gave for it.

    ``id`` is a check id or an fnmatch pattern (``CKV_K8S_*``). ``paths`` are globs relative
    to the scan root (``*`` stays inside one path segment, ``**`` crosses segments, a
    pattern naming a directory covers everything below it); empty means everywhere.
    """

    id: str
    reason: str
    paths: tuple[str, ...] = ()

    def covers(self, check_id: str, file: str) -> bool:
        if not fnmatch.fnmatchcase(check_id, self.id):
            return False
        return not self.paths or any(path_matches(pattern, file) for pattern in self.paths)


@dataclass(frozen=True)
class InlineSuppression:
    """A Checkov inline skip that hid a failing check (reported, never honoured)."""

    check_id: str
    reason: str
    resource: str
    file: str
    line: int
    unit: str


# Ids Checkov's RunnerFilter can take as they are: ``ID:regex`` entries mean something else
# there (a path regex), so anything outside this alphabet is filtered by us instead.
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_*?\-]+$")


def split_skips(skips: Iterable[CheckovSkip]) -> tuple[tuple[str, ...], tuple[CheckovSkip, ...]]:
    """Global skips Checkov can apply itself (saves running the check), and the rest."""
    global_ids: list[str] = []
    scoped: list[CheckovSkip] = []
    for skip in skips:
        if not skip.paths and _PLAIN_ID.match(skip.id):
            global_ids.append(skip.id)
        else:
            scoped.append(skip)
    return tuple(sorted(set(global_ids))), tuple(scoped)


def is_skipped(check_id: str, file: str, skips: Sequence[CheckovSkip]) -> bool:
    return any(skip.covers(check_id, file) for skip in skips)
