"""Redaction of whole files handed to conftest-style policies as ``input``
(engine/load/documents.py), where the loaders' per-resource rules do not reach.

A conftest policy sees the file as parsed — a Terraform plan JSON with every value in clear,
a ``variable`` block with its default — and can put any of it in a message. So the secrets
Terraform itself marks are redacted here, as the plan loader does for our own policies:

* plan JSON: values under ``sensitive_values`` / ``before_sensitive`` / ``after_sensitive``
  masks (planned values, prior state, resource and output changes), sensitive outputs, and
  the value of every input variable declared ``sensitive``;
* HCL: the ``default`` of a ``variable`` declared ``sensitive = true`` and the ``value`` of a
  ``sensitive`` output.

Key-name rules (engine/load/redact.py ``redact_value``) apply on top, as for any document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.load.redact import REDACTED

_PLAN_KEYS = ("planned_values", "resource_changes", "prior_state", "output_changes")


def is_plan_document(value: Any) -> bool:
    return (isinstance(value, Mapping) and "format_version" in value
            and any(key in value for key in _PLAN_KEYS))


def _secret(value: Any) -> Any:
    """Every leaf is a secret; null and booleans are not (policies need them)."""
    if isinstance(value, Mapping):
        return {k: _secret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secret(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    return dict(REDACTED)


redact_leaves = _secret  # for other loaders (documents.py: .tfvars values)


def _overlay(value: Any, mask: Any) -> Any:
    """``value`` with every part the same-shaped ``mask`` marks ``true`` redacted."""
    if mask is True:
        return _secret(value)
    if isinstance(mask, Mapping) and isinstance(value, Mapping):
        return {k: _overlay(v, mask[k]) if k in mask else v for k, v in value.items()}
    if isinstance(mask, list) and isinstance(value, list):
        return [_overlay(v, mask[i]) if i < len(mask) else v for i, v in enumerate(value)]
    return value


def _module(module: Any) -> Any:
    if not isinstance(module, Mapping):
        return module
    out = dict(module)
    resources = out.get("resources")
    if isinstance(resources, list):
        out["resources"] = [
            {**r, "values": _overlay(r.get("values"), r.get("sensitive_values"))}
            if isinstance(r, Mapping) and "values" in r else r for r in resources]
    children = out.get("child_modules")
    if isinstance(children, list):
        out["child_modules"] = [_module(c) for c in children]
    return out


def _values(values: Any) -> Any:
    """``planned_values`` / ``prior_state.values``: modules and outputs."""
    if not isinstance(values, Mapping):
        return values
    out = dict(values)
    out["root_module"] = _module(out.get("root_module"))
    if "root_module" not in values:
        del out["root_module"]
    outputs = out.get("outputs")
    if isinstance(outputs, Mapping):
        out["outputs"] = {name: {**o, "value": _secret(o.get("value"))}
                          if isinstance(o, Mapping) and o.get("sensitive") is True else o
                          for name, o in outputs.items()}
    return out


def _change(change: Any) -> Any:
    if not isinstance(change, Mapping):
        return change
    out = dict(change)
    for side in ("before", "after"):
        if side in out:
            out[side] = _overlay(out[side], out.get(f"{side}_sensitive"))
    return out


def _sensitive_variables(plan: Mapping[str, Any]) -> set[str]:
    root = plan.get("configuration")
    root = root.get("root_module") if isinstance(root, Mapping) else None
    declared = root.get("variables") if isinstance(root, Mapping) else None
    if not isinstance(declared, Mapping):
        return set()
    return {str(name) for name, spec in declared.items()
            if isinstance(spec, Mapping) and spec.get("sensitive") is True}


def redact_plan_document(plan: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(plan)
    if "planned_values" in out:
        out["planned_values"] = _values(out["planned_values"])
    prior = out.get("prior_state")
    if isinstance(prior, Mapping) and "values" in prior:
        out["prior_state"] = {**prior, "values": _values(prior["values"])}
    changes = out.get("resource_changes")
    if isinstance(changes, list):
        out["resource_changes"] = [{**c, "change": _change(c.get("change"))}
                                   if isinstance(c, Mapping) and "change" in c else c
                                   for c in changes]
    outputs = out.get("output_changes")
    if isinstance(outputs, Mapping):
        out["output_changes"] = {k: _change(v) for k, v in outputs.items()}
    variables = out.get("variables")
    sensitive = _sensitive_variables(plan)
    if isinstance(variables, Mapping) and sensitive:
        out["variables"] = {name: {**spec, "value": _secret(spec.get("value"))}
                            if name in sensitive and isinstance(spec, Mapping) else spec
                            for name, spec in variables.items()}
    return out


def redact_hcl_sensitive(document: Mapping[str, Any]) -> dict[str, Any]:
    """hcl2json shape: ``{"variable": {name: [body]}, "output": {name: [body]}}``."""
    out = dict(document)
    for block, field in (("variable", "default"), ("output", "value")):
        named = out.get(block)
        if not isinstance(named, Mapping):
            continue
        out[block] = {name: [_sensitive_body(b, field) for b in bodies]
                      if isinstance(bodies, list) else bodies
                      for name, bodies in named.items()}
    return out


def _sensitive_body(body: Any, field: str) -> Any:
    if isinstance(body, Mapping) and body.get("sensitive") is True and field in body:
        return {**body, field: _secret(body[field])}
    return body
