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
from engine.source.revisions import (
    CONFIG_NAME,
    GOVERNANCE_DIR,
    in_scope,
    relocate,
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
    and waived findings, the errors and the verdict."""

    commit: CommitInfo
    evaluated: bool  # False: the commit's own config could not be read (see ``errors``)
    verdict: str
    seen: dict[str, Seen] = field(default_factory=dict)  # fingerprint -> finding
    errors: tuple[ScanError, ...] = ()
    changed: dict[str, str] = field(default_factory=dict)  # path -> added|modified|deleted
    governance: tuple[GovernanceChange, ...] = ()
    # "<unit>|<address>" -> (digest of its configuration, file) for validated resources
    validated: dict[str, tuple[str, str]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()  # the commit's waivers file (empty when none/invalid)
    result: ScanResult | None = None


@dataclass(frozen=True)
class ScanSettings:
    scope: tuple[str, ...]
    use_checkov: bool
    cache_dir: Path | None
    fail_on: str | None  # --fail-on for the period end's exit code; None: each config's
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


@contextlib.contextmanager
def walk(repo: GitRepository, start: CommitInfo | None, commits: Sequence[CommitInfo],
         end_day: date, settings: ScanSettings) -> Iterator[Timeline]:
    folder = Path(tempfile.mkdtemp(prefix="gitops-compliance-history-"))
    try:
        yield _walk(repo, start, commits, end_day, settings, folder / "tree")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _walk(repo: GitRepository, start: CommitInfo | None, commits: Sequence[CommitInfo],
          end_day: date, settings: ScanSettings, root: Path) -> Timeline:
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError, load_policy_set
    from engine.evaluate.rego.engine_check import check_engine
    from engine.pipeline import policy_dirs

    scope = settings.scope

    def wanted(path: str) -> bool:
        return keep_path(path) and (in_scope(path, scope) or _governing(path))

    tree = CommitTree(repo, root, wanted)
    last = commits[-1] if commits else start
    if last is None:
        raise HistoryError("the branch has no commit on or before the period's end")
    # The bundle: the period end's, loaded once.
    tree.move_to(last.sha)
    try:
        end_config = _config(root, scope)
    except ConfigError as exc:
        raise HistoryError(f"the period end's config ({last.sha[:12]}): "
                           f"{_inside(exc, root)}") from None
    inside = [_relative(p, root) for p in end_config.policies]
    tree.add(lambda p: any(_under(p, d) for d in inside if d))
    dirs = tuple(policy_dirs(end_config, list(settings.extra_policies)))
    try:
        check_engine()
        policies = load_policy_set(list(dirs), display_root=root)
    except (PolicyLoadError, EngineMismatchError) as exc:
        raise HistoryError(_inside(exc, root)) from None
    policy_paths = tuple(d for d in inside if d)

    scans: list[CommitScan] = []
    first = None
    if start is not None:
        tree.move_to(start.sha)
        first = _scan_commit(tree, start, policies, settings, {}, policy_paths, keep=True)
    for commit in commits:
        changed = tree.move_to(commit.sha)
        scans.append(_scan_commit(tree, commit, policies, settings, changed, policy_paths))
    if tree.commit != last.sha:
        tree.move_to(last.sha)
    end = _scan_commit(tree, last, policies, settings, {}, policy_paths, keep=True,
                       as_of=end_day)
    return Timeline(first, scans, end, end_config, policies,
                    tuple(Path(d) for d in dirs), root)


def _scan_commit(tree: CommitTree, commit: CommitInfo, policies: PolicySet,
                 settings: ScanSettings, changed: dict[str, str],
                 policy_paths: tuple[str, ...], *, keep: bool = False,
                 as_of: date | None = None) -> CommitScan:
    from engine.cli.scan_inputs import waivers_file
    from engine.pipeline import ScanRequest, run_scan

    root = tree.root
    scope = settings.scope
    try:
        config = _config(root, scope)
    except ConfigError as exc:
        error = ScanError("config-error", _inside(exc, root), file=CONFIG_NAME, invalid=True)
        return CommitScan(commit, False, "invalid", errors=(error,), changed=changed,
                          governance=_governance_changes(changed, (), policy_paths))
    governance = _governance_changes(changed, (waivers_path(config),), policy_paths)
    try:
        waivers = waivers_file(config, root)
    except ConfigError as exc:
        error = ScanError("config-error", _inside(exc, root), file=waivers_path(config),
                          invalid=True)
        return CommitScan(commit, False, "invalid", errors=(error,), changed=changed,
                          governance=governance)
    threshold = settings.fail_on or config.fail_on
    request = ScanRequest(
        snapshot=tree.snapshot(lambda p: in_scope(p, scope)), scope=scope, config=config,
        use_checkov=settings.use_checkov,
        fail_on=None if threshold == "none" else Severity(threshold),
        waivers_file=waivers, as_of=as_of or commit.committed.date(),
        cache_dir=settings.cache_dir, checkov_mode="run" if settings.use_checkov else "off",
        keep_resources=True)
    result = relocate(run_scan(request, policies), [root], Path("."))
    seen: dict[str, Seen] = {}
    for finding in result.findings:
        if finding.status in (Status.FAILED, Status.WAIVED):
            seen.setdefault(finding.fingerprint, Seen(finding, result.blocks(finding)))
    return CommitScan(
        commit, True, result.verdict.value, seen, result.errors, changed, governance,
        validated_resources(result), _waivers(waivers, config), result if keep else None)


def _waivers(path: Path | None, config: Config) -> tuple[Waiver, ...]:
    if path is None:
        return ()
    from engine.decide.waiver_file import load_waivers

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
        elif path in waivers or _under(path, GOVERNANCE_DIR):
            kind = "waivers"
        elif any(_under(path, d) for d in policy_paths):
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


def _governing(path: str) -> bool:
    return PurePosixPath(path).name == CONFIG_NAME or _under(path, GOVERNANCE_DIR)


def _under(path: str, folder: str) -> bool:
    folder = folder.strip("/")
    return folder in ("", ".") or path == folder or path.startswith(folder + "/")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""

