"""Resource limits on what a scan reads (docs/limits.md).

A merge gate reads whatever a pull request contains: a 2 GiB "manifest", a YAML file whose
aliases expand to a billion nodes, a FIFO named ``x.yaml``. Each limit turns such input into
an error finding that names the file and the limit (exit 3), and the rest of the scan goes on.

The limits of the running scan are held in a context variable (``active``): the YAML loader
and the file readers sit many calls below the pipeline, in code that also runs outside a
scan (config, waivers), so they read the limits rather than have them passed down every
signature. ``run_scan`` sets them from the config for the length of the scan.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

LIMIT_CODE = "limit-exceeded"
BINARY_CODE = "binary-file"
NOT_REGULAR_CODE = "path-error"

# Defaults, chosen an order of magnitude (or more) above what real repositories hold: the
# public corpus's largest file is 59 KB, its deepest YAML 13 levels, its longest stream 9
# documents; a `terraform show -json` of a large estate runs to tens of MiB.
FILE_BYTES = 128 * 1024 * 1024
YAML_DOCUMENTS = 10_000
NESTING_DEPTH = 128
YAML_ALIAS_NODES = 1_000_000
HELM_OUTPUT_BYTES = 64 * 1024 * 1024
SCAN_SECONDS = 3600.0


@dataclass(frozen=True)
class Limits:
    """The ``limits:`` section of the config; every key has a default."""

    file_bytes: int = FILE_BYTES  # any file a loader reads, checked before reading it
    yaml_documents: int = YAML_DOCUMENTS  # documents in one YAML stream
    nesting_depth: int = NESTING_DEPTH  # mappings/lists inside each other (YAML and JSON)
    # Nodes that aliases add when expanded (``*a`` counts the whole subtree of ``&a``, every
    # time): what a "billion laughs" file multiplies. Plain nodes are bounded by file_bytes.
    yaml_alias_nodes: int = YAML_ALIAS_NODES
    helm_output_bytes: int = HELM_OUTPUT_BYTES  # what one chart render may produce
    scan_seconds: float = SCAN_SECONDS  # the whole scan; 0 = nothing may start

    def describe(self, key: str) -> str:
        return f"limits.{key} = {getattr(self, key):g}" if key == "scan_seconds" else \
            f"limits.{key} = {getattr(self, key)}"


LIMIT_KEYS: dict[str, str] = {
    "file_bytes": "largest file read, in bytes (whole number >= 1)",
    "yaml_documents": "documents in one YAML file (whole number >= 1)",
    "nesting_depth": "nesting depth of YAML and JSON values (whole number >= 1)",
    "yaml_alias_nodes": "nodes YAML aliases may add when expanded (whole number >= 0)",
    "helm_output_bytes": "rendered output of one Helm chart, in bytes (whole number >= 1)",
    "scan_seconds": "time budget of the whole scan, in seconds (number >= 0)",
}
_MINIMUM = {"yaml_alias_nodes": 0}


def parse_limits(value: Any, where: str) -> Limits | str:
    """The ``limits:`` mapping, or the problem with it (the caller adds the file name)."""
    if value is None:
        return Limits()
    if not isinstance(value, Mapping):
        return f"{where}: expected a mapping ({', '.join(LIMIT_KEYS)})"
    for key in value:
        if key not in LIMIT_KEYS:
            return f"{where}: unknown key {key!r} (known keys: {', '.join(LIMIT_KEYS)})"
    parsed: dict[str, Any] = {}
    for item in fields(Limits):
        if item.name not in value:
            continue
        raw = value[item.name]
        if item.name == "scan_seconds":
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not raw >= 0 \
                    or raw == float("inf"):
                return f"{where}.scan_seconds: expected a number of seconds >= 0, got {raw!r}"
            parsed[item.name] = float(raw)
            continue
        minimum = _MINIMUM.get(item.name, 1)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
            return f"{where}.{item.name}: expected a whole number >= {minimum}, got {raw!r}"
        parsed[item.name] = raw
    return Limits(**parsed)


_ACTIVE: ContextVar[Limits] = ContextVar("limits", default=Limits())  # noqa: B039


def active() -> Limits:
    """The limits of the scan in progress (the defaults outside one)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def applied(limits: Limits) -> Iterator[None]:
    token = _ACTIVE.set(limits)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


class LimitExceeded(yaml.YAMLError):
    """Input past a limit. A ``YAMLError`` so that every YAML caller that already reports
    bad YAML with its line reports this too; callers that know better use ``code``."""

    code = LIMIT_CODE

    def __init__(self, what: str, key: str, line: int = 0, limits: Limits | None = None) -> None:
        self.key = key
        self.line = line
        self.message = f"{what}: over the limit {(limits or active()).describe(key)}; not scanned"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class NotReadable(Exception):
    """A path that must not be read as a file: a FIFO, a device, a socket, a folder."""

    code = NOT_REGULAR_CODE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_limited(path: Path) -> bytes:
    """The bytes of a regular file within ``limits.file_bytes``.

    Opened non-blocking and checked on the open descriptor: a FIFO named ``x.yaml`` neither
    blocks the scan nor is read, and a swap between the check and the read changes nothing.
    Raises ``OSError``, ``NotReadable`` or ``LimitExceeded``.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(f"not a regular file ({file_type(info.st_mode)}): not read")
        if info.st_size > active().file_bytes:
            raise LimitExceeded(f"file of {info.st_size} bytes", "file_bytes")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            # One byte past the limit tells a file that grew since fstat.
            data = handle.read(active().file_bytes + 1)
        if len(data) > active().file_bytes:
            raise LimitExceeded("file larger than its size on disk said", "file_bytes")
        return data
    finally:
        os.close(descriptor)


def file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


# Files the loaders parse as text: one with NUL bytes or invalid UTF-8 is reported, not parsed.
IAC_SUFFIXES = frozenset({".tf", ".tfvars", ".hcl", ".yaml", ".yml", ".json", ".toml"})


def is_iac_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IAC_SUFFIXES


def binary_problem(data: bytes) -> str:
    """Why ``data`` is not text ("" when it is)."""
    position = data.find(b"\0")
    if position >= 0:
        return f"binary content (a NUL byte at offset {position})"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"binary content (not UTF-8 at byte {exc.start})"
    return ""


def check_yaml_node(node: yaml.Node, limits: Limits | None = None, already: int = 0) -> int:
    """Reject a composed YAML document past the depth or alias-expansion limit, before any
    Python object is built from it; return the nodes its aliases add.

    ``already`` is what the aliases of the stream's earlier documents added: the limit is
    per file, so forty documents each just under it cannot add forty times the limit.

    PyYAML composes an alias as a second reference to the anchored node, so the graph stays
    small while its expansion (what JSON serialization, Checkov and the reports would build)
    is exponential. The expanded size of each node is computed once (memoized by identity),
    so the check costs one pass over the graph whatever the expansion.
    """
    limits = limits or active()
    sizes: dict[int, int] = {}  # node id -> expanded node count of its subtree
    heights: dict[int, int] = {}  # node id -> collections nested in its subtree (scalar: 0)
    on_path: set[int] = set()
    depth_limit = limits.nesting_depth
    # Iterative post-order walk: deep input must not be able to exhaust the Python stack.
    # Entries: (node, level, its children once visited (None: not yet), line of the
    # collection holding it, where an alias is used).
    stack: list[tuple[yaml.Node, int, list[yaml.Node] | None, int]] = [(node, 0, None, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        current, level, children, used_at = pop()
        key = id(current)
        if children is not None:  # post-order: every child is measured
            on_path.discard(key)
            sizes[key] = 1 + sum([sizes[id(c)] for c in children])
            heights[key] = 1 + max([heights[id(c)] for c in children], default=0)
            continue
        if key in sizes:  # an alias to a node already measured: the same subtree, deeper
            if level + heights[key] > depth_limit:
                raise LimitExceeded("nesting too deep", "nesting_depth",
                                    used_at or current.start_mark.line + 1, limits)
            continue
        value = current.value
        if isinstance(value, str):  # a scalar
            sizes[key], heights[key] = 1, 0
            continue
        if key in on_path:  # an anchor used inside itself: its expansion never ends
            raise LimitExceeded("a recursive alias (infinite expansion)", "yaml_alias_nodes",
                                current.start_mark.line + 1, limits)
        if level + 1 > depth_limit:
            raise LimitExceeded("nesting too deep", "nesting_depth",
                                current.start_mark.line + 1, limits)
        kids = [part for pair in value for part in pair] if isinstance(
            current, yaml.MappingNode) else list(value)
        on_path.add(key)
        push((current, level, kids, used_at))
        line = current.start_mark.line + 1
        for child in reversed(kids):
            push((child, level + 1, None, line))
    expanded = sizes[id(node)]
    added = expanded - len(sizes)
    if added > limits.yaml_alias_nodes:
        raise LimitExceeded(f"aliases expand the document to {expanded} nodes",
                            "yaml_alias_nodes", node.start_mark.line + 1, limits)
    if already + added > limits.yaml_alias_nodes:
        raise LimitExceeded(f"aliases add {already + added} nodes to the file's documents "
                            "up to this one", "yaml_alias_nodes", node.start_mark.line + 1,
                            limits)
    return added


def check_json_depth(value: Any, limits: Limits | None = None) -> None:
    """Reject a parsed JSON value nested deeper than the limit. Iterative (the value may be
    as deep as the JSON parser allows), and only containers are pushed: on a plan of tens
    of MiB this costs well under the parse itself."""
    limits = limits or active()
    limit = limits.nesting_depth
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        current, level = pop()
        if level > limit:
            raise LimitExceeded("nesting too deep", "nesting_depth", 0, limits)
        for child in current.values() if type(current) is dict else current:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, level + 1))


# The largest integer the policy engines can hold: regorus converts an integer past 64 bits
# to a double, and one past the double range cannot be represented at all. One such value in
# the inventory would make the engine reject the whole scan's data, every unit's results lost.
_FLOAT_BITS = 1023


def unrepresentable_number(value: Any) -> int | None:
    """The digit count of the first integer in ``value`` no policy engine can represent, or
    None. Iterative: the value may be as deep as ``limits.nesting_depth``."""
    stack: list[Any] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, int) and not isinstance(current, bool):
            if current.bit_length() > _FLOAT_BITS:
                return len(str(abs(current))) if current.bit_length() < 60_000 else \
                    int(current.bit_length() * 0.30103)
        elif isinstance(current, Mapping):
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return None
