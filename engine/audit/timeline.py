"""Scan a branch's history for a period: the tree at the start, at every commit, at the end.

One policy bundle judges every commit: the one the period-end commit configures (built-in
policies plus its config's policy folders), loaded once and recorded by digest. The config
and the waivers are each commit's own, and each commit's waivers are judged on the day it
was committed: a waiver approved in September does not excuse a violation merged in July.
The period-end snapshot is judged on the period's last day (or ``--as-of``, if earlier).

Every tree goes through the normal scan pipeline (engine/pipeline), sharing one result
cache, so a unit that did not change between two commits is not evaluated again.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from engine.audit.tree import CommitTree
from engine.config import Config, ConfigError, find_config, load_config
from engine.model import Finding, GovernanceChange, ScanError, ScanResult, Severity, Status
from engine.source.git_repo import GitRepository
from engine.source.history import CommitInfo
from engine.source.paths import relative_inside
from engine.source.revisions import (
    CONFIG_NAME,
    GOVERNANCE_DIR,
    in_scope,
    is_governing,
    relocate,
    under,
    waivers_path,
)
from engine.source.worktree import keep_path

if TYPE_CHECKING:
    from engine.decide.waiver_file import Waiver
    from engine.evaluate.rego import PolicySet


@dataclass(frozen=True)
class Seen:
    """A failed or waived finding as one commit's scan reported it."""

    finding: Finding
    blocks: bool  # at or above that commit's fail threshold, and not a ``warn`` rule


@dataclass
class CommitScan:
    """What the scan of one commit's tree found. ``result`` is kept only for the two
    snapshots the report details (period start and end); other commits keep the failed
    and waived findings, the errors and the verdict.

    ``seen`` is keyed by fingerprint; a second finding with the same fingerprint (the same
    object copied into another file of the unit) is ``<fingerprint>#1``, and so on, in the
    scan's order: a copy is a violation of its own, a move keeps the key.
    """

    commit: CommitInfo
    evaluated: bool  # False: no config could be read at all (see ``errors``)
    verdict: str
    seen: dict[str, Seen] = field(default_factory=dict)
    errors: tuple[ScanError, ...] = ()
    changed: dict[str, str] = field(default_factory=dict)  # path -> added|modified|deleted
    governance: tuple[GovernanceChange, ...] = ()
    # "<unit>|<address>" -> (digest of its configuration, file) for validated resources
    validated: dict[str, tuple[str, str]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()  # the waivers in force in the file (carried over a
    #                                   commit whose file could not be read)
    result: ScanResult | None = None
    config: Config | None = None  # the config the tree was judged with
    waivers_bytes: bytes | None = None  # the waivers file as committed (None: none)
    # The PR check reads config and waivers from the merge-base: for a commit that changed
    # them, its tree judged with its first parent's (what the gate saw); else None.
    gate_seen: dict[str, Seen] | None = None
    gate_verdict: str | None = None


@dataclass(frozen=True)
class ScanSettings:
    scope: tuple[str, ...]
    use_checkov: bool
    cache_dir: Path | None
    fail_on: str | None  # --fail-on: the period end's threshold only; None: its config's
    extra_policies: tuple[Path, ...] = ()


@dataclass
class Timeline:
    """Everything the report is built from."""

    start: CommitScan | None  # the branch when the period began (None: it did not exist)
    commits: list[CommitScan]  # the period's commits, oldest first
    end: CommitScan | None  # the period-end tree, judged on the period's last day
    config: Config  # the period end's config
    policies: PolicySet
    policy_dirs: tuple[Path, ...]
    root: Path  # the folder the trees were written to (removed when the walk ends)


class HistoryError(Exception):
    """The period end cannot be evaluated at all (its config or policies are invalid)."""


@dataclass(frozen=True)
class Days:
    """The days the start and end trees are judged on (the previous period's last day and
    this period's last day, or --as-of): what each period's own report said of them."""

    start: date
    end: date


@contextlib.contextmanager
def walk(repo: GitRepository, start: CommitInfo | None, commits: Sequence[CommitInfo],
         days: Days, settings: ScanSettings) -> Iterator[Timeline]:
    folder = Path(tempfile.mkdtemp(prefix="gitops-compliance-history-"))
    try:
        yield _walk(repo, start, commits, days, settings, folder / "tree")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _walk(repo: GitRepository, start: CommitInfo | None, commits: Sequence[CommitInfo],
          days: Days, settings: ScanSettings, root: Path) -> Timeline:
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError, load_policy_set
    from engine.evaluate.rego.engine_check import check_engine
    from engine.pipeline import policy_dirs

    scope = settings.scope

    def wanted(path: str) -> bool:
        return keep_path(path) and (in_scope(path, scope) or is_governing(path))

    tree = CommitTree(repo, root, wanted)
    last = commits[-1] if commits else start
    if last is None:
        raise HistoryError("the branch has no commit on or before the period's end")
    # The bundle: the period end's, loaded once. Policy folders inside the repository
    # (the config's, and --policies ones) are read from the end commit, never from the
    # working tree.
    tree.move_to(last.sha)
    try:
        end_config = _config(root, scope)
    except ConfigError as exc:
        raise HistoryError(f"the period end's config ({last.sha[:12]}): "
                           f"{_inside(exc, root)}") from None
    # A --policies folder inside the repository (never the whole repository) is read from
    # the end commit; one outside it, as given.
    extra = [r if r != "." else "" for r in (relative_inside(p, repo.root)
                                              for p in settings.extra_policies)]
    inside = [relative_inside(p, root) for p in end_config.policies] + [e for e in extra if e]
    tree.add(lambda p: any(under(p, d) for d in inside if d))
    extra_dirs = [root / e if e else p for e, p in zip(extra, settings.extra_policies,
                                                        strict=True)]
    dirs = tuple(policy_dirs(end_config, extra_dirs))
    try:
        check_engine()
        policies = load_policy_set(list(dirs), display_root=root)
    except (PolicyLoadError, EngineMismatchError) as exc:
        raise HistoryError(_inside(exc, root)) from None
    judge = _Judge(tree, policies, settings, tuple(d for d in inside if d))

    scans: list[CommitScan] = []
    first = None
    if start is not None:
        tree.move_to(start.sha)
        first = judge.scan(start, {}, None, days.start, keep=True)
    previous = first
    for commit in commits:
        changed = tree.move_to(commit.sha)
        scan = judge.scan(commit, changed, previous, commit.committed.date())
        if scan.governance and previous is not None and previous.config is not None:
            judge.gate(scan, previous)
        scans.append(scan)
        if scan.evaluated:
            previous = scan
    if tree.commit != last.sha:
        tree.move_to(last.sha)
    end = judge.scan(last, {}, previous, days.end, keep=True, threshold=settings.fail_on)
    return Timeline(first, scans, end, end_config, policies,
                    tuple(Path(d) for d in dirs), root)


class _Judge:
    """Scans the tree the folder holds, as one commit of the history."""

    def __init__(self, tree: CommitTree, policies: PolicySet, settings: ScanSettings,
                 policy_paths: tuple[str, ...]) -> None:
        self.tree = tree
        self.policies = policies
        self.settings = settings
        self.policy_paths = policy_paths

    def scan(self, commit: CommitInfo, changed: dict[str, str],
             previous: CommitScan | None, day: date, *, keep: bool = False,
             threshold: str | None = None) -> CommitScan:
        """The tree judged on ``day`` with its own config and waivers. A config (or a
        named waivers file) that cannot be read is an invalid commit: its tree is still
        judged, with the last config and waivers that could be (its violations are its
        own, not the next committer's)."""
        from engine.cli.scan_inputs import waivers_file

        root = self.tree.root
        problem: ScanError | None = None
        waivers: Path | bytes | None
        try:
            config = _config(root, self.settings.scope)
            waivers = waivers_file(config, root)
            waivers_bytes = waivers.read_bytes() if waivers is not None else None
        except ConfigError as exc:
            problem = ScanError("config-error", _inside(exc, root), file=CONFIG_NAME,
                                invalid=True)
            if previous is None or previous.config is None:
                return CommitScan(commit, False, "invalid", errors=(problem,),
                                  changed=changed, governance=self._governance(changed, ()))
            config, waivers_bytes = previous.config, previous.waivers_bytes
            waivers = waivers_bytes
        governance = self._governance(changed, (waivers_path(config),))
        result = self._run(config, waivers, threshold or config.fail_on, day)
        errors = result.errors + ((problem,) if problem is not None else ())
        in_force = _waivers(result, waivers, config)
        if in_force is None:  # the file could not be read: what was in force still is
            in_force = previous.waivers if previous is not None else ()
        return CommitScan(
            commit, True, "invalid" if problem is not None else result.verdict.value,
            _seen(result), errors, changed, governance, validated_resources(result),
            in_force, result if keep else None, config, waivers_bytes)

    def gate(self, scan: CommitScan, parent: CommitScan) -> None:
        """What the PR check saw: this tree with the first parent's config, waivers and
        threshold (a pull request cannot relax its own gate)."""
        assert parent.config is not None
        result = self._run(parent.config, parent.waivers_bytes, parent.config.fail_on,
                           scan.commit.committed.date())
        scan.gate_seen = _seen(result)
        scan.gate_verdict = result.verdict.value

    def _run(self, config: Config, waivers_in: Path | bytes | None, threshold: str,
             day: date) -> ScanResult:
        """The pipeline on the tree; the waivers are the tree's file, or another commit's
        bytes (written outside the tree for the scan)."""
        from engine.pipeline import ScanRequest, run_scan

        root = self.tree.root
        settings = self.settings
        with _waivers_file(waivers_in) as waivers:
            request = ScanRequest(
                snapshot=self.tree.snapshot(lambda p: in_scope(p, settings.scope)),
                scope=settings.scope, config=config, use_checkov=settings.use_checkov,
                fail_on=None if threshold == "none" else Severity(threshold),
                waivers_file=waivers, as_of=day, cache_dir=settings.cache_dir,
                checkov_mode="run" if settings.use_checkov else "off", keep_resources=True)
            folders = [root] if waivers is None or waivers.is_relative_to(root) else \
                [root, waivers.parent]
            return relocate(run_scan(request, self.policies), folders, Path("."))

    def _governance(self, changed: dict[str, str], waivers: Sequence[str]
                    ) -> tuple[GovernanceChange, ...]:
        return _governance_changes(changed, waivers, self.policy_paths)


@contextlib.contextmanager
def _waivers_file(data: Path | bytes | None) -> Iterator[Path | None]:
    """The waivers as a file the scan can read: a path as it is; bytes written outside the
    tree folder (a gate scan judges one tree with another commit's waivers)."""
    if data is None or isinstance(data, Path):
        yield data
        return
    with tempfile.TemporaryDirectory(prefix="gitops-compliance-waivers-") as folder:
        path = Path(folder) / "waivers.yaml"
        path.write_bytes(data)
        yield path


def _seen(result: ScanResult) -> dict[str, Seen]:
    seen: dict[str, Seen] = {}
    copies: dict[str, int] = {}
    for finding in result.findings:
        if finding.status in (Status.FAILED, Status.WAIVED):
            fingerprint = finding.fingerprint
            copy = copies.get(fingerprint, 0)
            copies[fingerprint] = copy + 1
            key = fingerprint if not copy else f"{fingerprint}#{copy}"
            seen[key] = Seen(finding, result.blocks(finding))
    return seen


def _waivers(result: ScanResult, data: Path | bytes | None, config: Config
             ) -> tuple[Waiver, ...] | None:
    """The waivers the file holds (None: it could not be read, see the scan's errors).
    The tree's file is read where it is; another commit's bytes from a private copy."""
    if data is None:
        return ()
    if any(e.code == "waiver-error" for e in result.errors):
        return None
    from engine.decide.waiver_file import load_waivers

    with _waivers_file(data) as path:
        assert path is not None
        return load_waivers(path, max_days=config.waiver_max_days).waivers



def validated_resources(result: ScanResult) -> dict[str, tuple[str, str]]:
    """The resources tagged (Terraform) or labelled (Kubernetes) ``validation-status:
    validated``, each with a digest of its configuration (not of its file or line)."""
    from engine.cache.keys import digest

    found: dict[str, tuple[str, str]] = {}
    for unit, resources in result.resources.items():
        for resource in resources:
            if is_validated(resource.config, resource.extra):
                found[f"{unit}|{resource.address}"] = (digest(
                    {"type": resource.type, "config": resource.config,
                     "tags": resource.extra.get("tags")}), resource.file)
    return found


VALIDATION_KEY = "validation-status"
VALIDATED = "validated"


def is_validated(config: object, extra: object) -> bool:
    tags = extra.get("tags") if isinstance(extra, dict) else None
    if isinstance(tags, dict) and tags.get(VALIDATION_KEY) == VALIDATED:
        return True
    return any(labels.get(VALIDATION_KEY) == VALIDATED for labels in _labels(config))


def _labels(config: object) -> Iterator[dict[str, object]]:
    """The labels of a Kubernetes object and of the pod template(s) it carries."""
    for path in ((), ("spec", "template"), ("spec", "jobTemplate", "spec", "template")):
        node = config
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        meta = node.get("metadata") if isinstance(node, dict) else None
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if isinstance(labels, dict):
            yield labels


def _config(root: Path, scope: Sequence[str]) -> Config:
    first = root / scope[0] if scope and scope[0] else root
    while not first.exists() and first != root:
        first = first.parent
    return load_config(find_config(first, root)).rooted(root)


def _governance_changes(changed: dict[str, str], waivers: Sequence[str],
                        policy_paths: tuple[str, ...]) -> tuple[GovernanceChange, ...]:
    """The commit's changes to what governs the gate: config files, the waivers file (the
    governance folder, or where the config points), the policy folders of the bundle."""
    found = []
    for path, status in sorted(changed.items()):
        if PurePosixPath(path).name == CONFIG_NAME:
            kind = "config"
        elif path in waivers or under(path, GOVERNANCE_DIR):
            kind = "waivers"
        elif any(under(path, d) for d in policy_paths):
            kind = "policies"
        else:
            continue
        found.append(GovernanceChange(kind, status, path))
    return tuple(found)


def _inside(exc: Exception, root: Path) -> str:
    """An error's text with the private tree folder taken out: the report names files as
    the repository does, the same on every machine."""
    text = str(exc)
    for form in {str(root), str(root.resolve())}:
        text = text.replace(form + "/", "").replace(form, ".")
    return text




