"""HCL2 as conftest's policies see it: the JSON shape of tmccombs/hcl2json.

conftest parses ``.tf``/``.tfvars``/``.hcl`` with hcl2json, so a conftest policy reads
``input.resource.aws_s3_bucket.logs[0].acl``. The shape:

* a block is a **list of bodies** under its type, then one object level per label:
  ``resource "aws_s3_bucket" "logs" {...}`` is ``{"resource": {"aws_s3_bucket": {"logs":
  [{...}]}}}``; unlabelled blocks too (``"locals": [{...}, {...}]``, ``"versioning":
  [{...}]``); two blocks with the same labels append to the same list;
* ``dynamic "setting" { content {...} }`` is just another labelled block
  (``"dynamic": {"setting": [{"for_each": ..., "content": [{...}]}]}``);
* literals are JSON values (``-10`` is a number); an object is an object; a tuple a list;
  a string literal its text; a heredoc its text with the final newline (``<<-`` strips the
  indentation); any other expression its HCL text wrapped in ``${...}``
  (``"${var.acl}"``, ``"pre-${var.env}"``).

We parse with the project's HCL parser (Checkov's hcl2 grammar, engine/load/terraform/hcl.py)
and convert. One known difference: expression texts are hcl2's rendering, not the exact
source characters (``merge(a,{b=1})`` reads ``${merge(a, {b = 1})}``); a policy comparing
whole expression strings may see other spacing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.load.terraform.body import BOOKKEEPING, is_block_body
from engine.load.terraform.hcl import HclObject, HeredocText, parse_hcl
from engine.model import ScanError

_WRAPPED_NUMBER = re.compile(r"^\$\{(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\}$")
_ESCAPE = re.compile(r'\\(["\\nrt]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})')
_SIMPLE = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def hcl_to_json(text: str, path: str) -> dict[str, Any] | ScanError:
    parsed = parse_hcl(text, path)
    if isinstance(parsed, ScanError):
        return parsed
    return _body(parsed.body)


def _is_label_level(entry: Mapping[str, Any]) -> bool:
    # A body maps names to lists (hcl2 wraps every attribute and block); a label level maps
    # exactly one label to the next level down, a dict.
    if len(entry) != 1:
        return False
    inner = next(iter(entry.values()))
    return isinstance(inner, dict) and not isinstance(inner, HclObject)


def _body(body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, entries in body.items():
        if key in BOOKKEEPING or not isinstance(entries, list):
            continue
        if entries and all(is_block_body(e) for e in entries):
            for entry in entries:
                _add_block(out, str(key), entry)
        elif entries:
            out[str(key)] = _value(entries[-1])  # a repeated attribute: HCL keeps none; last
    return out


def _add_block(out: dict[str, Any], block_type: str, entry: Mapping[str, Any]) -> None:
    path = [block_type]
    while _is_label_level(entry):
        label, entry = next(iter(entry.items()))
        path.append(str(label))
    target = out
    for part in path[:-1]:
        inner = target.get(part)
        if not isinstance(inner, dict):
            inner = target[part] = {}
        target = inner
    bodies = target.setdefault(path[-1], [])
    if not isinstance(bodies, list):  # an attribute and a block share a name: keep both
        bodies = target[path[-1]] = [bodies]
    bodies.append(_body(entry))


def _value(value: Any) -> Any:
    if isinstance(value, HeredocText):
        return str(value) + "\n"
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items() if k not in BOOKKEEPING}
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, str):
        number = _WRAPPED_NUMBER.match(value)
        if number:  # hcl2 wraps negative literals: hcl2json gives the number
            text = number.group(1)
            return float(text) if any(c in text for c in ".eE") else int(text)
        if value.startswith("${") and value.endswith("}") and value.count("${") == 1:
            return value  # an expression: its text, escapes as written
        return _ESCAPE.sub(_unescape, value)
    return value


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in _SIMPLE:
        return _SIMPLE[code]
    return chr(int(code[1:], 16))
