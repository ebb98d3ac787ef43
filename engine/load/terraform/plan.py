"""Load ``terraform show -json`` output (a plan; a state file's ``values`` works too).

Plan values are exact, so nothing is resolved here. Resources come from
``planned_values.root_module`` and, recursively, its ``child_modules``; addresses lose their
instance keys (``module.a["x"].aws_s3_bucket.b[0]`` → ``module.a.aws_s3_bucket.b``), so
every instance of a ``count``/``for_each`` resource shares its base address.

Two overlays make the values honest:

* ``resource_changes[].change.after_unknown`` — Terraform leaves values that are only known
  after apply out of ``planned_values``; they become ``{"$unknown": "(known after apply)"}``
  instead of silently missing;
* ``sensitive_values`` — every value marked sensitive becomes ``{"$redacted": true}``
  (null and booleans stay: they are not secrets and policies need them).

A top-level attribute known only after apply whose configuration expression refers to
other objects (``configuration``'s ``expressions.<attr>.references``) keeps them in its
text: ``bucket = aws_s3_bucket.x.id`` on a bucket being created is
``{"$unknown": "(known after apply: aws_s3_bucket.x.id, aws_s3_bucket.x)"}``, so policies can
join a provider-v4 split resource to its bucket in a plan as they do in HCL.

Effective tags are ``tags_all`` (the provider already merged its ``default_tags``).
The line of a resource is where its address first appears in the file (1 for the usual
single-line output).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.limits import (
    BINARY_CODE,
    LimitExceeded,
    NotReadable,
    binary_problem,
    check_json_depth,
    read_limited,
)
from engine.load.redact import redact_terraform_config
from engine.load.terraform.iam import plan_policies
from engine.load.terraform.result import LoadResult
from engine.load.terraform.values import is_marker, redacted, unknown
from engine.model import Resource, ScanError

KNOWN_AFTER_APPLY = "(known after apply)"
_INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
_ADDRESS_FIELD = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')


def base_address(address: str) -> str:
    """An address without ``[0]`` / ``["key"]`` instance keys."""
    return _INSTANCE_KEY.sub("", address)


def load_plan(root: Path, plan_file: str) -> LoadResult:
    """Load one plan JSON file; never raises on bad input."""
    try:
        raw = read_limited(root / plan_file)
    except (LimitExceeded, NotReadable) as exc:
        return LoadResult((), (ScanError(exc.code, f"{plan_file}: {exc.message}",
                                         file=plan_file),))
    except OSError as exc:
        return _failed(plan_file, 0, f"cannot read ({type(exc).__name__})")
    problem = binary_problem(raw)
    if problem:
        return LoadResult((), (ScanError(BINARY_CODE, f"{plan_file}: {problem}: not parsed as "
                                         "text", file=plan_file),))
    text = raw.decode("utf-8-sig")
    try:
        document = json.loads(text)
        check_json_depth(document)
    except LimitExceeded as exc:
        return LoadResult((), (ScanError(exc.code, f"{plan_file}: {exc.message}",
                                         file=plan_file),))
    except json.JSONDecodeError as exc:
        return _failed(plan_file, exc.lineno,
                       f"line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})")
    except RecursionError:
        return _failed(plan_file, 0, "invalid JSON (nested too deeply)")
    root_module = _root_module(document)
    if root_module is None:
        return _failed(plan_file, 1, "not a Terraform plan: no planned_values.root_module "
                       "(expected `terraform show -json` output)")
    try:
        resources = _resources(document, root_module, plan_file, _address_lines(text))
    except RecursionError:
        return _failed(plan_file, 0, "plan JSON nested too deeply")
    return LoadResult(tuple(resources), ())


def _failed(plan_file: str, line: int, what: str) -> LoadResult:
    error = ScanError("parse-error", f"{plan_file}: {what}", file=plan_file, line=line)
    return LoadResult((), (error,))


def _root_module(document: Any) -> Mapping[str, Any] | None:
    if not isinstance(document, Mapping):
        return None
    for key in ("planned_values", "values"):  # a plan; `terraform show -json` of a state
        section = document.get(key)
        if isinstance(section, Mapping) and isinstance(section.get("root_module"), Mapping):
            root: Mapping[str, Any] = section["root_module"]
            return root
    return None


def _address_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    if "\n" not in text.strip():
        return lines  # the usual one-line output: every resource is on line 1
    line, position = 1, 0
    for match in _ADDRESS_FIELD.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        try:
            address = json.loads(match.group(1))
        except ValueError:
            continue
        lines.setdefault(address, line)
    return lines


def _references(document: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """base address -> {top-level attribute: references} from the plan's configuration."""
    out: dict[str, dict[str, list[str]]] = {}
    configuration = document.get("configuration")
    root = configuration.get("root_module") if isinstance(configuration, Mapping) else None
    stack: list[tuple[str, Mapping[str, Any]]] = [("", root)] if isinstance(root, Mapping) else []
    while stack:
        prefix, module = stack.pop()
        for item in _list(module.get("resources")):
            expressions = item.get("expressions") if isinstance(item, Mapping) else None
            if not isinstance(expressions, Mapping):
                continue
            found = {str(attribute): [r for r in _list(e.get("references")) if isinstance(r, str)]
                     for attribute, e in expressions.items() if isinstance(e, Mapping)}
            found = {attribute: refs for attribute, refs in found.items() if refs}
            if found:
                out[prefix + str(item.get("address", ""))] = found
        calls = module.get("module_calls")
        for name, call in calls.items() if isinstance(calls, Mapping) else ():
            if isinstance(call, Mapping) and isinstance(call.get("module"), Mapping):
                stack.append((f"{prefix}module.{name}.", call["module"]))
    return out


def _resources(document: Mapping[str, Any], root_module: Mapping[str, Any], plan_file: str,
               lines: Mapping[str, int]) -> list[Resource]:
    references = _references(document)
    after_unknown: dict[str, Any] = {}
    changes = document.get("resource_changes")
    for change in changes if isinstance(changes, list) else []:
        if isinstance(change, Mapping) and isinstance(change.get("change"), Mapping):
            after_unknown[str(change.get("address"))] = change["change"].get("after_unknown")
    out: list[Resource] = []
    stack: list[Mapping[str, Any]] = [root_module]
    while stack:
        module = stack.pop()
        module_address = base_address(str(module.get("address", "")))
        for item in _list(module.get("resources")):
            if isinstance(item, Mapping):
                out.append(_resource(item, module_address, plan_file, lines, after_unknown,
                                     references))
        children = [c for c in _list(module.get("child_modules")) if isinstance(c, Mapping)]
        stack.extend(reversed(children))  # depth-first, in file order
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _resource(item: Mapping[str, Any], module_address: str, plan_file: str,
              lines: Mapping[str, int], after_unknown: Mapping[str, Any],
              references: Mapping[str, Mapping[str, list[str]]]) -> Resource:
    full_address = str(item.get("address", ""))
    address = base_address(full_address)
    type_ = str(item.get("type", ""))
    mode = str(item.get("mode", "managed"))
    values = item.get("values")
    values = dict(values) if isinstance(values, Mapping) else {}
    values = _overlay(values, after_unknown.get(full_address),
                      lambda _: unknown(KNOWN_AFTER_APPLY), add_missing=True)
    for attribute, refs in references.get(address, {}).items():
        if values.get(attribute) == unknown(KNOWN_AFTER_APPLY):
            values[attribute] = unknown(f"{KNOWN_AFTER_APPLY[:-1]}: {', '.join(refs)})")
    values = _overlay(values, item.get("sensitive_values"), _redact_leaf, add_missing=False)
    tags = values.get("tags_all", values.get("tags"))
    if tags is None:
        tags = {}
    elif not is_marker(tags) and not isinstance(tags, dict):
        tags = unknown(f"{address}.tags_all")
    if not is_marker(tags):
        tags = redact_terraform_config(type_, {"tags": tags})["tags"]
    extra: dict[str, Any] = {
        "mode": mode,
        "module": module_address,
        "provider": str(item.get("provider_name", "")).rsplit("/", 1)[-1],
        "tags": tags,
        "iam_policies": plan_policies(type_, mode, address, values),
    }
    return Resource(
        address=address,
        kind="terraform",
        type=type_,
        name=str(item.get("name", "")),
        file=plan_file,
        line=lines.get(full_address, 1),
        config=redact_terraform_config(type_, values),
        extra=extra,
    )


def _redact_leaf(value: Any) -> Any:
    return value if value is None or isinstance(value, bool) else redacted()


def _overlay(value: Any, mask: Any, replace: Callable[[Any], Any], add_missing: bool) -> Any:
    """``value`` with ``replace`` applied wherever ``mask`` (same shape) is ``true``.

    ``add_missing``: a masked key absent from ``value`` is added (unknown values are left
    out of ``planned_values``; they must not be silently absent).
    """
    if mask is True:
        return replace(value)
    if isinstance(mask, Mapping) and isinstance(value, Mapping) and not is_marker(value):
        out = dict(value)
        for key, sub in mask.items():
            if key in out and sub:
                out[key] = _overlay(out[key], sub, replace, add_missing)
            elif add_missing and sub is True:
                out[key] = replace(None)
        return out
    if isinstance(mask, list) and isinstance(value, list):
        head = [_overlay(v, m, replace, add_missing) for v, m in zip(value, mask, strict=False)]
        return head + value[len(mask):]
    return value
