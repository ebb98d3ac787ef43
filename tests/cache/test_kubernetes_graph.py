"""How Kubernetes Checkov entries are keyed: the graph dependencies read from check
definitions, and which items a file's key holds (engine/cache/kubernetes_graph.py).
The end-to-end proof against uncached runs is tests/e2e/test_cache_kubernetes_files.py."""

from __future__ import annotations

from engine.cache.keys import digest
from engine.cache.kubernetes_graph import (
    GraphDependencies,
    ManifestItem,
    _derive,
    kinds_in,
    plan_manifests,
)

NETWORK = {"and": [
    {"cond_type": "filter", "attribute": "resource_type", "operator": "within",
     "value": ["Pod"]},
    {"cond_type": "connection", "operator": "exists", "resource_types": ["Pod", "Deployment"],
     "connected_resource_types": ["NetworkPolicy"]}]}


def test_a_filtered_check_reads_the_other_side_of_its_connections() -> None:
    assert _derive(NETWORK) == {"Pod": {"NetworkPolicy"}}


def test_without_a_kind_filter_every_named_kind_may_get_a_result() -> None:
    definition = {"cond_type": "connection", "operator": "exists",
                  "resource_types": ["RoleBinding"], "connected_resource_types": ["Role"]}
    assert _derive(definition) == {"RoleBinding": {"Role"}, "Role": {"RoleBinding"}}


def test_a_shape_not_understood_gives_up() -> None:
    assert _derive({"cond_type": "something_new", "resource_types": ["Pod"]}) is None
    assert _derive({"and": [{"cond_type": "filter", "attribute": "metadata.name",
                             "operator": "within", "value": ["x"]}]}) is None
    assert _derive({"cond_type": "connection", "resource_types": ["all"],
                    "connected_resource_types": ["Pod"]}) is None


def test_kinds_are_whole_words_or_loaded() -> None:
    vocabulary = ["Role", "ClusterRole", "NetworkPolicy"]
    assert kinds_in(b"kind: ClusterRole\n", vocabulary) == {"ClusterRole"}
    assert kinds_in(b"kind: RoleBinding\n", vocabulary) == set()
    assert kinds_in(b'{"kind": "Network\\u0050olicy"}', vocabulary, ["NetworkPolicy"]) == {
        "NetworkPolicy"}


def item(name: str, kinds: set[str], names: set[str]) -> ManifestItem:
    return ManifestItem(("file", name), f"sha-{name}", frozenset(kinds), frozenset(names))


DEPS = GraphDependencies({"Pod": frozenset({"NetworkPolicy"}),
                          "RoleBinding": frozenset({"Role"})}, ("X",))


def test_a_file_reads_the_files_holding_what_its_kinds_read() -> None:
    items = [item("web.yaml", {"Deployment"}, {"web"}),
             item("netpol.yaml", {"NetworkPolicy"}, {"only-web"}),
             item("role.yaml", {"Role"}, {"deployer"}),
             item("binding.yaml", {"RoleBinding"}, {"ci"}),
             item("copy.yaml", {"Deployment"}, {"web"})]
    plan = plan_manifests(items, DEPS, {}, digest)
    context = {k[1]: sorted(n for _, n in v) for k, v in plan.context.items()}
    assert context == {
        # Pods (any manifest may hold one) read NetworkPolicies; with that context, a file
        # also reads the files sharing an object name with it.
        "web.yaml": ["copy.yaml", "netpol.yaml"],
        "copy.yaml": ["netpol.yaml", "web.yaml"],
        "netpol.yaml": [],
        "role.yaml": ["netpol.yaml"],
        "binding.yaml": ["netpol.yaml", "role.yaml"],
    }
    assert plan.run_set({("file", "binding.yaml")}) == {
        ("file", "binding.yaml"), ("file", "netpol.yaml"), ("file", "role.yaml")}
    # A key changes with the content of what it reads, and only with that.
    new_role = ManifestItem(("file", "role.yaml"), "sha-new", frozenset({"Role"}),
                            frozenset({"deployer"}))
    again = plan_manifests([new_role if i.identity == new_role.identity else i
                            for i in items], DEPS, {}, digest)
    differs = {k[1] for k in plan.keys if plan.keys[k] != again.keys[k]}
    assert differs == {"role.yaml", "binding.yaml"}


def test_unknown_dependencies_make_every_file_read_every_other() -> None:
    items = [item("a.yaml", set(), {"a"}), item("b.yaml", set(), {"b"})]
    plan = plan_manifests(items, None, {}, digest)
    assert plan.context[("file", "a.yaml")] == {("file", "b.yaml")}
    assert plan.context[("file", "b.yaml")] == {("file", "a.yaml")}
