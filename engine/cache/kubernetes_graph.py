"""What a Checkov Kubernetes result depends on, so that results can be cached per manifest
file (and per rendered chart unit) instead of once for every manifest together.

Checkov's Kubernetes *resource* checks (``CKV_K8S_*``) look at one object. Its *graph*
checks (``CKV2_K8S_*``) join objects through edges of one graph built over every file of
the run: a (Cluster)RoleBinding and the (Cluster)Role it names, a Pod and the
NetworkPolicies that select it. So a file's results depend on its own bytes and on the
objects its graph checks can connect to, wherever they are. This module reads Checkov's
graph check definitions (the JSON/YAML files its registry loads, without importing Checkov:
a full cache hit must not pay for it) and derives, per kind a graph check reports on, the
kinds its result reads (the other side of each ``connection`` condition).

An item (a manifest file, or a chart unit's rendered objects) is then keyed on its own
content and on every *other* item holding a kind its reported kinds read — plus, when it has
any such context, every item sharing an object name with it (Checkov accumulates a graph
vertex's edges by vertex *name*, so same-named objects in different files share edges).
Anything unexpected in the definitions makes :func:`graph_dependencies` return None, and
every item then depends on every other one (one shared result, as before).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# checkov.kubernetes.kubernetes_utils.DEFAULT_NESTED_RESOURCE_TYPE: the kind of the graph
# vertex Checkov makes from every workload's pod template. Any manifest may hold one.
NESTED_KIND = "Pod"
_ENDINGS = (".json", ".yaml", ".yml")  # checkov.common.checks_infra.registry


@dataclass(frozen=True)
class GraphDependencies:
    """``reads[kind]``: the kinds whose objects a graph check's result on ``kind`` reads."""

    reads: Mapping[str, frozenset[str]]
    check_ids: tuple[str, ...]

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.reads).union(*self.reads.values()) if self.reads else frozenset()


@dataclass(frozen=True)
class ManifestItem:
    """One cacheable piece of Checkov's Kubernetes run: a manifest file or a chart unit."""

    identity: tuple[str, str]  # ("file", relative path) or ("chart", unit identity)
    content: str  # digest of what the item's own result is computed from
    kinds: frozenset[str]  # kinds it may hold (over-approximated)
    names: frozenset[str]  # metadata.name of its objects ("" for an object without one)


@dataclass
class ManifestPlan:
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    context: dict[tuple[str, str], frozenset[tuple[str, str]]] = field(default_factory=dict)

    def run_set(self, missed: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The missed items and every item their results read: what Checkov must see."""
        out: set[tuple[str, str]] = set()
        for item in missed:
            out.add(item)
            out |= self.context.get(item, frozenset())
        return out


@lru_cache(maxsize=1)
def graph_dependencies() -> GraphDependencies | None:
    """From the installed Checkov's Kubernetes graph check files; None when unsure."""
    try:
        spec = importlib.util.find_spec("checkov")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "kubernetes" / "checks" / \
        "graph_checks"
    if not folder.is_dir():
        return None
    reads: dict[str, set[str]] = {}
    ids: list[str] = []
    for directory, _, names in sorted(os.walk(folder)):
        for name in sorted(names):
            if not name.endswith(_ENDINGS):
                continue
            try:
                text = (Path(directory) / name).read_text(encoding="utf-8")
                check = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
                derived = _derive(check["definition"])
            except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError):
                return None
            if derived is None:
                return None
            ids.append(str(check.get("metadata", {}).get("id", name)))
            for kind, needed in derived.items():
                reads.setdefault(kind, set()).update(needed)
    return GraphDependencies({k: frozenset(v) for k, v in sorted(reads.items())},
                             tuple(sorted(ids)))


def _derive(definition: Any) -> dict[str, set[str]] | None:
    """Reported kind -> kinds read, for one check; None for a shape not understood."""
    filters: set[str] = set()
    connections: list[tuple[set[str], set[str]]] = []
    named: set[str] = set()

    def walk(node: Any) -> bool:
        if isinstance(node, list):
            return all(walk(n) for n in node)
        if not isinstance(node, dict):
            return False
        for operator in ("and", "or", "not"):
            if operator in node:
                return walk(node[operator])
        kind = node.get("cond_type")
        types = node.get("resource_types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            return False
        named.update(types)
        if kind == "filter":
            values = node.get("value")
            if node.get("attribute") not in ("kind", "resource_type") or \
                    node.get("operator") != "within" or not isinstance(values, list):
                return False
            filters.update(map(str, values))
            named.update(map(str, values))
            return True
        if kind == "connection":
            connected = node.get("connected_resource_types", [])
            if not isinstance(connected, list) or not types or not connected:
                return False
            connections.append((set(types), set(map(str, connected))))
            named.update(map(str, connected))
            return True
        return kind == "attribute"

    if not walk(definition) or "all" in named:
        return None
    reported = filters or named  # no kind filter: any kind named may get a result
    derived: dict[str, set[str]] = {}
    for kind in reported:
        needed: set[str] = set()
        for left, right in connections:
            if kind in left:
                needed |= right
            if kind in right:
                needed |= left
            if kind not in left and kind not in right:
                needed |= left | right
        derived[kind] = needed
    return derived


def kinds_in(data: bytes, vocabulary: Iterable[str], loaded: Iterable[str] = ()) -> frozenset[str]:
    """The kinds of ``vocabulary`` a manifest may hold: named as a word in its bytes, or
    loaded from it (a kind spelled with escapes is still loaded)."""
    found = {k for k in vocabulary
             if re.search(rb"(?<![A-Za-z0-9])" + re.escape(k.encode()) + rb"(?![A-Za-z0-9])",
                          data)}
    return frozenset(found | set(loaded))


def plan_manifests(items: Sequence[ManifestItem], deps: GraphDependencies | None,
                   base: Mapping[str, Any], digest: Callable[[Any], str]) -> ManifestPlan:
    """Each item's key: its content, plus the content of every item its results read."""
    plan = ManifestPlan()
    by_id = {i.identity: i for i in items}
    for item in items:
        if deps is None:  # unknown graph: every item reads every other
            context = {i.identity for i in items if i.identity != item.identity}
        else:
            reported = {k for k in deps.reads if k in item.kinds or k == NESTED_KIND}
            needed = set().union(*(deps.reads[k] for k in reported)) if reported else set()
            context = {i.identity for i in items
                       if i.identity != item.identity and i.kinds & needed}
            if context:
                context |= {i.identity for i in items
                            if i.identity != item.identity and i.names & item.names}
        plan.context[item.identity] = frozenset(context)
        plan.keys[item.identity] = digest({
            **base, "engine": "checkov", "kind": f"kubernetes-{item.identity[0]}",
            "item": item.identity[1], "content": item.content,
            "context": [[*c, by_id[c].content] for c in sorted(context)]})
    return plan
