"""Cached loading: the normalized resources of a unit (Terraform module, plan) or of one
Kubernetes manifest file, keyed on the bytes of the files the loader reads.

Loading dominates a warm scan (every unit is loaded for ``data.inventory``), so it is
cached too. The loaders read exactly the files they are given (``engine/load``); the key is
those files' hashes, the unit's identity and the engine's version. Only clean loads are
stored, and only when the resources survive a JSON round trip unchanged: a cached
resource is always the very value a fresh load gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cache.keys import FileHashes, digest
from engine.cache.store import ResultCache
from engine.load import kubernetes as k8s_loader
from engine.model import Resource, ScanError, Unit


def resource_to_json(resource: Resource) -> dict[str, Any]:
    return {"address": resource.address, "kind": resource.kind, "type": resource.type,
            "name": resource.name, "file": resource.file, "line": resource.line,
            "config": resource.config, "extra": resource.extra}


def resource_from_json(data: Mapping[str, Any]) -> Resource:
    return Resource(address=str(data["address"]), kind=str(data["kind"]),
                    type=str(data["type"]), name=str(data["name"]), file=str(data["file"]),
                    line=int(data["line"]), config=data["config"], extra=data["extra"])


def _payload(resources: Sequence[Resource]) -> list[dict[str, Any]] | None:
    items = [resource_to_json(r) for r in resources]
    try:
        again = json.loads(json.dumps(items))
    except (TypeError, ValueError):
        return None
    return items if again == items else None  # tuples, non-string keys: not cached


def _cached(cache: ResultCache, key: str) -> list[Resource] | None:
    payload = cache.get("load", key)
    if payload is None:
        return None
    try:
        return [resource_from_json(item) for item in payload]
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class CachedLoad:
    """A unit's resources from the cache (what the Terraform loaders return, without
    importing them: the HCL parser alone takes about 0.4 s to import)."""

    resources: tuple[Resource, ...]
    errors: tuple[ScanError, ...]


class LoadCache:
    def __init__(self, cache: ResultCache, hashes: FileHashes, base: Mapping[str, Any]) -> None:
        self._cache = cache
        self._hashes = hashes
        self._base = dict(base)

    def unit(self, unit: Unit, load: Callable[[], Any]) -> Any:
        """A Terraform module or plan unit: cached resources, or ``load()`` (stored when
        clean). Returns what the loader returns (something with resources and errors)."""
        return self.keyed({"kind": unit.kind.value, "unit": unit.identity,
                           "directory": unit.directory,
                           "files": self._hashes.listing(unit.files)}, load)

    def rendered(self, identity: str, how: Mapping[str, Any], files: Sequence[str],
                 render: Callable[[], Any]) -> Any:
        """A Helm unit (one chart, one values set): keyed on every file of the chart and
        every values file (``files``) and on ``how`` it is rendered (values set, release,
        namespace, exclusions, SDK version), so a warm scan starts no render worker."""
        return self.keyed({"kind": "helm", "unit": identity, "how": how,
                           "files": self._hashes.listing(files)}, render)

    def keyed(self, parts: Mapping[str, Any], load: Callable[[], Any]) -> Any:
        key = digest({**self._base, "stage": "load", **parts})
        resources = _cached(self._cache, key)
        if resources is not None:
            return CachedLoad(tuple(resources), ())
        outcome = load()
        if outcome is not None and not outcome.errors:
            payload = _payload(outcome.resources)
            if payload is not None:
                self._cache.put("load", key, payload)
        return outcome

    def manifests(self, root: Path, files: Sequence[str]) -> k8s_loader.LoadResult:
        """``engine.load.kubernetes.load_manifests``, one cache entry per file."""
        resources: list[Resource] = []
        errors: list[ScanError] = []
        object_files: list[str] = []
        for name in files:
            key = digest({**self._base, "stage": "load", "kind": "kubernetes-file",
                          "file": name, "sha256": self._hashes.of(name)})
            found = _cached(self._cache, key)
            if found is None:
                found, problems = k8s_loader.load_file(root, name)
                errors.extend(problems)
                payload = None if problems else _payload(found)
                if payload is not None:
                    self._cache.put("load", key, payload)
            resources.extend(found)
            if found:
                object_files.append(name)
        return k8s_loader.LoadResult(tuple(resources), tuple(errors), tuple(object_files))
