"""GitOps deploy descriptors: what Argo CD and Flux will actually render.

* Argo CD ``Application`` (``argoproj.io``): ``spec.source`` or each of ``spec.sources`` whose
  ``path`` is a chart folder of this repository. Values: ``helm.valueFiles`` (relative to the
  chart folder; ``$<ref>/path`` of a multi-source app is read from this repository's root),
  then ``helm.values`` (a YAML string), then ``helm.valuesObject``, then ``helm.parameters``
  (``--set``; ``forceString`` → ``--set-string``). Release: ``helm.releaseName``, else the
  Application's name; namespace: ``spec.destination.namespace``.
* Flux ``HelmRelease`` (``helm.toolkit.fluxcd.io``): ``spec.chart.spec`` with a
  ``GitRepository`` (or ``Bucket``) source whose ``chart`` path is a chart folder here.
  Values: ``valuesFiles`` (or ``valuesFile``, relative to the source root), then
  ``spec.values``. ``spec.valuesFrom`` (ConfigMaps, Secrets) live only in the cluster: the
  chart is rendered without them and the scan is incomplete, naming each one. Release:
  ``spec.releaseName``, else ``[<targetNamespace>-]<name>``; namespace:
  ``spec.targetNamespace``, else the HelmRelease's namespace.

The repository a descriptor points at is assumed to be this one when the path is a chart
here (the scanner cannot resolve ``repoURL`` or a ``sourceRef`` offline). Charts from a Helm
repository or an OCI registry are not in the repository and are not rendered. Paths that
leave the repository are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from engine.discover.helm import ValuesSet, release_from
from engine.limits import LIMIT_CODE, LimitExceeded
from engine.load.helm.values import inside_root
from engine.load.kubernetes import raw_object, yaml_loader
from engine.model import Resource, ScanError
from engine.source.paths import real_inside

DESCRIPTOR_ERROR = "descriptor-error"
VALUES_UNKNOWN = "values-unknown"


@dataclass(frozen=True)
class DescriptorPlan:
    values_sets: tuple[ValuesSet, ...]
    errors: tuple[ScanError, ...]


def plan_descriptors(root: Path, resources: Sequence[Resource], charts: Sequence[str],
                     default_namespace: str) -> DescriptorPlan:
    chart_set = set(charts)
    sets: list[ValuesSet] = []
    errors: list[ScanError] = []
    for resource in resources:
        group = str(resource.extra.get("api_version", "")).split("/", 1)[0]
        if resource.type == "Application" and group == "argoproj.io":
            found, problems = _argo(root, _as_written(root, resource), chart_set,
                                    default_namespace)
        elif resource.type == "HelmRelease" and group == "helm.toolkit.fluxcd.io":
            found, problems = _flux(root, _as_written(root, resource), chart_set,
                                    default_namespace)
        else:
            continue
        sets.extend(found)
        errors.extend(problems)
    return DescriptorPlan(tuple(sets), tuple(errors))


def _as_written(root: Path, resource: Resource) -> Resource:
    """The descriptor with its inline values as written: the Resource's are redacted
    (a ``dbPassword`` in ``spec.values``), and the chart must render with the real ones.
    The rendered objects are redacted in turn when they are loaded."""
    raw = raw_object(root, resource.file, resource.line, resource.type)
    return dataclasses.replace(resource, config=dict(raw)) if raw is not None else resource


def _error(resource: Resource, message: str, code: str = DESCRIPTOR_ERROR) -> ScanError:
    return ScanError(code, f"{resource.type} {resource.address}: {message}", resource.file,
                     resource.line, "kubernetes")


def _chart_path(root: Path, raw: Any, base: str, charts: set[str]) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    joined = str(PurePosixPath(base) / raw.strip()) if base else raw.strip()
    normalized = inside_root(root, joined)
    if normalized is None or normalized in charts:
        return normalized
    # A symlinked folder (apps/web -> ../charts/web) is the chart it leads to: Argo CD and
    # Flux read the checkout, where the link is followed.
    real = real_inside(root, normalized)
    return real if real is not None and real in charts else None


def _argo(root: Path, resource: Resource, charts: set[str],
          default_namespace: str) -> tuple[list[ValuesSet], list[ScanError]]:
    spec = _mapping(resource.config.get("spec"))
    sources = [spec["source"]] if isinstance(spec.get("source"), Mapping) else []
    sources += [s for s in spec.get("sources") or [] if isinstance(s, Mapping)]
    refs = {str(s["ref"]) for s in sources if isinstance(s.get("ref"), str)}
    destination = _mapping(spec.get("destination"))
    namespace = _name(destination.get("namespace")) or default_namespace
    sets: list[ValuesSet] = []
    errors: list[ScanError] = []
    for index, source in enumerate(sources):
        raw_path = source.get("path")
        if isinstance(raw_path, str) and raw_path.strip() and inside_root(root, raw_path) is None:
            errors.append(_error(resource, f"source path {raw_path!r} leaves the repository; "
                                           "it was not rendered"))
            continue
        chart = _chart_path(root, raw_path, "", charts)
        if chart is None:
            continue
        helm = _mapping(source.get("helm"))
        files: list[str] = []
        for value_file in helm.get("valueFiles") or []:
            if not isinstance(value_file, str):
                continue
            ref, _, rest = value_file.partition("/")
            if ref.startswith("$") and ref[1:] in refs:
                candidate = rest
            else:
                candidate = str(PurePosixPath(chart) / value_file) if chart else value_file
            safe = inside_root(root, candidate)
            if safe is None:
                errors.append(_error(resource, f"values file {value_file!r} leaves the "
                                               "repository; it was not read"))
                continue
            files.append(safe)
        inline: list[Mapping[str, Any]] = []
        if isinstance(helm.get("values"), str) and helm["values"].strip():
            parsed = _yaml_mapping(helm["values"])
            if isinstance(parsed, LimitExceeded):
                errors.append(_error(resource, f"spec.source.helm.values: {parsed.message}",
                                     LIMIT_CODE))
                continue
            if parsed is None:
                errors.append(_error(resource, "spec.source.helm.values is not a YAML mapping; "
                                               "the chart was rendered without it"))
            else:
                inline.append(parsed)
        if isinstance(helm.get("valuesObject"), Mapping):
            inline.append(helm["valuesObject"])
        set_values: list[str] = []
        set_strings: list[str] = []
        for parameter in helm.get("parameters") or []:
            if isinstance(parameter, Mapping) and isinstance(parameter.get("name"), str):
                expression = f"{parameter['name']}={parameter.get('value', '')}"
                (set_strings if parameter.get("forceString") else set_values).append(expression)
        release = _name(helm.get("releaseName")) or release_from(resource.name)
        suffix = f"#{index}" if len(sources) > 1 else ""
        sets.append(ValuesSet(chart=chart, name=f"{resource.address}{suffix}",
                              files=tuple(files), inline=tuple(inline),
                              set_values=tuple(set_values), set_string_values=tuple(set_strings),
                              release_name=release, namespace=namespace,
                              origin=resource.file, origin_line=resource.line))
    return sets, errors


def _flux(root: Path, resource: Resource, charts: set[str],
          default_namespace: str) -> tuple[list[ValuesSet], list[ScanError]]:
    spec = _mapping(resource.config.get("spec"))
    chart_spec = _mapping(_mapping(spec.get("chart")).get("spec"))
    source_kind = _mapping(chart_spec.get("sourceRef")).get("kind")
    if source_kind not in ("GitRepository", "Bucket"):
        return [], []  # a chart from a Helm repository or OCI: not in this repository
    raw_chart = chart_spec.get("chart")
    if isinstance(raw_chart, str) and inside_root(root, raw_chart) is None:
        return [], [_error(resource, f"chart path {raw_chart!r} leaves the repository; it was "
                                     "not rendered")]
    chart = _chart_path(root, raw_chart, "", charts)
    if chart is None:
        return [], []
    errors: list[ScanError] = []
    files: list[str] = []
    raw_files = list(chart_spec.get("valuesFiles") or [])
    if isinstance(chart_spec.get("valuesFile"), str):
        raw_files.insert(0, chart_spec["valuesFile"])
    for value_file in raw_files:
        if not isinstance(value_file, str):
            continue
        safe = inside_root(root, value_file)
        if safe is None:
            errors.append(_error(resource, f"values file {value_file!r} leaves the repository; "
                                           "it was not read"))
            continue
        files.append(safe)
    inline = (spec["values"],) if isinstance(spec.get("values"), Mapping) else ()
    external = [f"{_mapping(v).get('kind', '?')}/{_mapping(v).get('name', '?')}"
                for v in spec.get("valuesFrom") or []]
    if external:
        errors.append(_error(resource, "values from the cluster (valuesFrom: "
                                       f"{', '.join(sorted(external))}) cannot be known offline; "
                                       "the chart was rendered without them, so the scan is "
                                       "incomplete", VALUES_UNKNOWN))
    target = _name(spec.get("targetNamespace"))
    namespace = target or _name(resource.extra.get("namespace")) or default_namespace
    release = _name(spec.get("releaseName")) or release_from(
        f"{target}-{resource.name}" if target else resource.name)
    return [ValuesSet(chart=chart, name=resource.address, files=tuple(files), inline=inline,
                      release_name=release, namespace=namespace, origin=resource.file,
                      origin_line=resource.line)], errors


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _yaml_mapping(text: str) -> Mapping[str, Any] | LimitExceeded | None:
    try:
        loaded = yaml.load(text, Loader=yaml_loader())  # a safe loader (SafeLoader subclass)
    except LimitExceeded as exc:
        return exc
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return None
    if loaded is None:
        return {}
    return loaded if isinstance(loaded, Mapping) else None
