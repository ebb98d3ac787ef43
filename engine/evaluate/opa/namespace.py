"""Move a policy set under a private package namespace before pushing it to a shared OPA.

Concurrent CI runs push to the same server: two versions of ``gitops_compliance.iam.iam02``
under one package would merge their rules (or conflict). Each run therefore uploads its
policies under ``data.<namespace>``, a path derived from the policy bundle's digest, with
every ``package`` line and every reference to ``data`` rewritten to match, and its data
documents (data files, inventory, parameters) written under the same path. Two runs of
the same bundle share a namespace and upload identical modules, so they cannot race into
a mixed state; different bundles never meet.

The rewrite is lexical but exact: it skips comments and string literals (raw and quoted),
and only rewrites ``data`` where it is a whole token that starts a reference (not
``input.data``, ``r.config.data``, ``metadata``). The namespaced modules are compiled by the
server, which rejects anything the rewrite could have broken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NAMESPACE_ROOT = "gitops_compliance_push"
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_]")
_PACKAGE = re.compile(r"^(\s*package\s+)([A-Za-z_][A-Za-z0-9_.]*)", re.MULTILINE)


def namespace_for(digest: str) -> str:
    """``gitops_compliance_push.b<first 16 hex digits of the bundle digest>``."""
    return f"{NAMESPACE_ROOT}.b{digest[:16]}"


def namespaced_module(text: str, namespace: str) -> str:
    """``text`` with its package and every ``data`` reference moved under ``namespace``."""
    return _rewrite_data_refs(_rewrite_package(text, namespace), namespace)


def _rewrite_package(text: str, namespace: str) -> str:
    # The package statement comes before any string or comment could contain "package x"
    # at the start of a line after the METADATA comments; only the first match is the
    # statement (comments start with '#', so they never match the pattern).
    return _PACKAGE.sub(lambda m: f"{m.group(1)}{namespace}.{m.group(2)}", text, count=1)


def _rewrite_data_refs(text: str, namespace: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "#":  # comment to end of line
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(text[i:end])
            i = end
        elif char == '"':
            end = _end_of_quoted(text, i)
            out.append(text[i:end])
            i = end
        elif char == "`":
            end = text.find("`", i + 1)
            end = n if end < 0 else end + 1
            out.append(text[i:end])
            i = end
        elif _IDENT_CHAR.match(char):
            end = i
            while end < n and _IDENT_CHAR.match(text[end]):
                end += 1
            token = text[i:end]
            if token == "data" and not _follows_dot(text, i):
                out.append(f"data.{namespace}")
            else:
                out.append(token)
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _end_of_quoted(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"' or text[i] == "\n":
            return i + 1
        i += 1
    return len(text)


def _follows_dot(text: str, index: int) -> bool:
    """True for ``x.data`` (a field named data), also across whitespace."""
    j = index - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j >= 0 and text[j] == "."


def upload_order(modules: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """``modules`` with every module after the ones it refers to (OPA compiles each upload
    against what is already there: a policy calling a library function that is not yet
    uploaded is rejected). Cycles keep their given order."""
    packages = {}
    for name, text in modules:
        found = _PACKAGE.search(text)
        if found:
            packages[name] = found.group(2)
    placed: list[tuple[str, str]] = []
    done: set[str] = set()
    visiting: set[str] = set()
    by_name = dict(modules)

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        text = by_name[name]
        for other, package in packages.items():
            if other != name and re.search(rf"\bdata\.{re.escape(package)}\b", text):
                visit(other)
        visiting.discard(name)
        done.add(name)
        placed.append((name, text))

    for name, _ in modules:
        visit(name)
    return placed
