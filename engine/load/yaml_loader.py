"""The YAML loader every stage uses for files it judges: safe, and strict where PyYAML is lax.

- values as Kubernetes (and JSON) see them: timestamps and ``!!binary`` stay text, ``!!set``
  is a mapping — PyYAML would build ``datetime`` and ``bytes`` objects no policy engine takes;
- a repeated key is an error at its line: PyYAML keeps the last value silently, the API
  server's strict decoding rejects the object, and a governed file (waivers) must not hide
  an entry behind another;
- bounded (engine/limits.py): documents per stream, nesting depth and alias expansion are
  checked on the composed node graph of each document, before any Python object is built,
  so a "billion laughs" file is rejected in one pass over its (small) graph; the nodes
  aliases add are summed over the stream (the limit is per file);
- an unknown tag is an error that does not quote the tag: it is text from the offending
  line, and parse errors never quote the line (``password: !s3cr3t x``).
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.limits import LimitExceeded, active, check_yaml_node

try:  # libyaml is several times faster; fall back to pure Python where it is missing
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader


class _Bounded:
    """Every document passes the limits before it is constructed: ``construct_document`` is
    the one call every entry point (``load``, ``load_all``, ``get_node`` + construct) makes."""

    _documents = 0
    # Nodes the aliases of this stream's documents have added so far: the expansion limit
    # holds for the whole file, not each document (forty documents each just under it
    # would otherwise build forty times the limit).
    _alias_nodes = 0

    def construct_document(self, node: yaml.Node) -> Any:
        self._documents += 1
        if self._documents > active().yaml_documents:
            raise LimitExceeded(f"more than {active().yaml_documents} YAML documents",
                                "yaml_documents", node.start_mark.line + 1)
        self._alias_nodes += check_yaml_node(node, already=self._alias_nodes)
        return super().construct_document(node)  # type: ignore[misc]

    def construct_undefined(self, node: yaml.Node) -> Any:
        # PyYAML's message quotes the tag, which is text of the offending line (and tags can
        # be anything: ``password: !s3cr3t x``); the line number is what locates it.
        kind = "a local tag (!...)" if node.tag.startswith("!") else "a global tag"
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown tag ({kind}; its text is not shown): no type is defined "
            "for it", node.start_mark)


class BoundedSafeLoader(_Bounded, _Base):  # type: ignore[valid-type,misc]
    """PyYAML's safe loading within the limits (config, policy metadata, conftest data)."""


class StrictLoader(_Bounded, _Base):  # type: ignore[valid-type,misc]
    """Safe loading, JSON types only, duplicate keys rejected (merge keys ``<<`` allowed)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node,
                                                                            yaml.ScalarNode):
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
StrictLoader.add_constructor("tag:yaml.org,2002:binary", _as_text)
StrictLoader.add_constructor("tag:yaml.org,2002:set", _Base.construct_yaml_map)
# PyYAML registers its own method for unknown tags (None); ours replaces it.
StrictLoader.add_constructor(None, _Bounded.construct_undefined)
BoundedSafeLoader.add_constructor(None, _Bounded.construct_undefined)
