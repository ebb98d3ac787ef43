"""``--new-only``: a finding whose fingerprint already fails at the baseline is pre-existing
(reported, never blocking); the others are new (DESIGN.md §4-5, docs/git-gating.md).

Fingerprints leave out the file and the line, so a moved resource or a renamed manifest
keeps its identity. Two copies of one object in different files of the Kubernetes unit
share a fingerprint, though (``envs/dev/app.yaml`` and ``envs/prod/app.yaml`` both hold
``Deployment/ml/trainer``): matching is therefore by count, preferring the same file. If
the baseline fails a fingerprint once and the change fails it twice, one of the two is new
— the one whose file (followed through renames) did not fail it before.

Errors are never matched: they are not findings, and a baseline never hides them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping

from engine.model import Finding, Status


def mark_preexisting(findings: Iterable[Finding], baseline: Iterable[Finding],
                     renames: Mapping[str, str]) -> tuple[Finding, ...]:
    """``findings`` with ``preexisting`` set on those the ``baseline`` already fails.

    ``renames`` maps a path in the scanned revision to its path in the baseline.
    """
    forward = {old: new for new, old in renames.items()}
    remaining: dict[str, Counter[str]] = {}
    for old in baseline:
        if old.status is Status.FAILED:
            remaining.setdefault(old.fingerprint, Counter())[forward.get(old.file, old.file)] += 1
    ordered = sorted(findings, key=Finding.sort_key)
    matched: set[int] = set()
    # Pass 1: the same fingerprint in the same file (followed through renames).
    for index, finding in enumerate(ordered):
        counts = remaining.get(finding.fingerprint)
        if finding.status is Status.FAILED and counts and counts[finding.file] > 0:
            counts[finding.file] -= 1
            matched.add(index)
    # Pass 2: the same fingerprint elsewhere (the object moved to another file).
    for index, finding in enumerate(ordered):
        counts = remaining.get(finding.fingerprint)
        if index in matched or finding.status is not Status.FAILED or not counts:
            continue
        left = next((f for f, n in sorted(counts.items()) if n > 0), None)
        if left is not None:
            counts[left] -= 1
            matched.add(index)
    return tuple(dataclasses.replace(f, preexisting=True) if i in matched else f
                 for i, f in enumerate(ordered))
