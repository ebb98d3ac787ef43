"""Normalize IAM policy documents to the contract's statement shape.

Three spellings produce identical statements (docs/input-contract.md, POLICIES.md):

* ``data "aws_iam_policy_document"`` blocks (``statement``, ``principals``, ``condition``,
  plus ``source_policy_documents`` / ``override_policy_documents`` merged by ``sid`` the way
  the AWS provider does);
* ``jsonencode({...})`` in ``policy`` / ``assume_role_policy`` / ``inline_policy.policy``;
* JSON in a heredoc or a quoted string. Interpolations inside JSON strings
  (``"Resource": "${aws_s3_bucket.b.arn}/*"``) are resolved leaf by leaf, so one unknown ARN
  makes one element ``$unknown``, not the whole document.

A value that cannot be known stays ``{"$unknown": ...}`` at the smallest level possible: an
element, a field, or the whole ``statements``. JSON that is not an IAM document (it has no
``Statement``, e.g. an ECR lifecycle policy) is not reported at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from engine.load.terraform import template
from engine.load.terraform.hcl import HeredocText
from engine.load.terraform.values import UNKNOWN_KEY, is_marker, is_unknown, unknown
from engine.load.terraform.variables import MISSING, OMIT, Resolver

NOT_IAM = object()  # decoded JSON that is not a policy document

_STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                   "Principal", "NotPrincipal", "Condition")
_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_DOC_REF = re.compile(
    r'^data\.aws_iam_policy_document\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[[^\]]*\])?\.json$'
)
_POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
POLICY_DOCUMENT = "aws_iam_policy_document"


# -- the statement shape --------------------------------------------------------------


def _text(value: Any) -> Any:
    if is_marker(value) or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _string_list(value: Any) -> Any:
    if is_marker(value):
        # An unknown *template* ("arn:${...}/*") is certainly one string: one element.
        # Any other unknown expression may be a whole list.
        return [value] if _is_template_marker(value) else value
    if isinstance(value, list):
        return [_text(item) for item in value]
    return [_text(value)]


def _is_template_marker(value: Any) -> bool:
    return is_unknown(value) and str(value[UNKNOWN_KEY]).startswith('"')


def _principal(value: Any) -> Any:
    if is_marker(value) or value == "*":
        return value
    if isinstance(value, Mapping):
        return {str(k): _string_list(v) for k, v in value.items()}
    return unknown(json.dumps(value)) if not isinstance(value, str) else value


def _condition(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value if is_marker(value) else unknown(json.dumps(value))
    out: dict[str, Any] = {}
    for operator, entries in value.items():
        if isinstance(entries, Mapping) and not is_marker(entries):
            out[str(operator)] = {str(k): _string_list(v) for k, v in entries.items()}
        else:
            out[str(operator)] = entries if is_marker(entries) else unknown(str(entries))
    return out


def statement_from_json(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _STATEMENT_KEYS:
        value = raw.get(key)
        if key == "Effect":
            out[key] = "Allow" if value is None else value
        elif value is None:
            continue
        elif key in _LIST_KEYS:
            out[key] = _string_list(value)
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _principal(value)
        elif key == "Condition":
            out[key] = _condition(value)
        else:
            out[key] = value
    return out


def statements_from_json(document: Any, text: str) -> Any:
    """Statements of a decoded JSON (or resolved ``jsonencode``) document."""
    if is_marker(document):
        return unknown(text)
    if not isinstance(document, Mapping):
        return NOT_IAM
    if "Statement" not in document:
        return NOT_IAM
    statements = document["Statement"]
    if isinstance(statements, Mapping) and not is_marker(statements):
        statements = [statements]
    if not isinstance(statements, list) or any(
            is_marker(s) or not isinstance(s, Mapping) for s in statements):
        return unknown(text)
    return [statement_from_json(s) for s in statements]


def _principals_from_blocks(blocks: Any) -> Any:
    if is_marker(blocks):
        return blocks
    merged: dict[str, Any] = {}
    for block in blocks:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if not isinstance(kind, str):
            return unknown("principals.type")
        ids = _string_list(block.get("identifiers"))
        previous = merged.get(kind)
        if previous is None:
            merged[kind] = ids
        elif is_marker(previous) or is_marker(ids):
            merged[kind] = previous if is_marker(previous) else ids
        else:
            merged[kind] = [*previous, *ids]
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"  # the AWS provider renders type "*" / ["*"] as "Principal": "*"
    return merged


def _conditions_from_blocks(blocks: Any) -> Any:
    if is_marker(blocks):
        return blocks
    out: dict[str, Any] = {}
    for block in blocks:
        if not isinstance(block, Mapping):
            return unknown("condition")
        test, variable = block.get("test"), block.get("variable")
        if not isinstance(test, str) or not isinstance(variable, str):
            return unknown("condition")
        values = _string_list(block.get("values"))
        entries = out.setdefault(test, {})
        previous = entries.get(variable)
        if previous is None or is_marker(values):
            entries[variable] = values
        elif not is_marker(previous):
            entries[variable] = [*previous, *values]
    return out


def statement_from_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """A resolved ``statement {}`` block of ``aws_iam_policy_document``."""
    out: dict[str, Any] = {}
    if block.get("sid") not in (None, ""):
        out["Sid"] = block["sid"]
    out["Effect"] = block.get("effect") if block.get("effect") is not None else "Allow"
    for source, key in (("actions", "Action"), ("not_actions", "NotAction"),
                        ("resources", "Resource"), ("not_resources", "NotResource")):
        if block.get(source) is not None:
            out[key] = _string_list(block[source])
    for source, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if block.get(source) is not None:
            out[key] = _principals_from_blocks(block[source])
    if block.get("condition") is not None:
        out["Condition"] = _conditions_from_blocks(block["condition"])
    return out


# -- documents in a module ------------------------------------------------------------


class Documents:
    """``aws_iam_policy_document`` data sources of one module, normalized on demand."""

    def __init__(self, resolver: Resolver, bodies: Mapping[str, Mapping[str, Any]]) -> None:
        self._resolver = resolver
        self._bodies = bodies  # name -> normalized raw body
        self._statements: dict[str, Any] = {}
        self._in_progress: set[str] = set()

    def document(self, name: str) -> Any:
        if name in self._statements:
            return self._statements[name]
        text = f"data.{POLICY_DOCUMENT}.{name}.json"
        if name not in self._bodies or name in self._in_progress:
            return unknown(text)  # another module's document, or a reference cycle
        self._in_progress.add(name)
        try:
            result = self._build(self._bodies[name], text)
        finally:
            self._in_progress.discard(name)
        self._statements[name] = result
        return result

    def _build(self, raw: Mapping[str, Any], text: str) -> Any:
        own = self._resolver.resolve(raw.get("statement", []))
        if own is OMIT:  # only dynamic statements, iterating over nothing
            own = []
        if is_marker(own) or not isinstance(own, list):
            return unknown(text)
        own_statements = [statement_from_block(b) for b in own if isinstance(b, Mapping)]
        merged: list[dict[str, Any]] = []
        sources = self._documents(raw, "source_policy_documents", "source_json")
        overrides = self._documents(raw, "override_policy_documents", "override_json")
        if sources is None or overrides is None:
            return unknown(text)
        for statements in sources:
            merged.extend(statements)
        for layer in ([own_statements], overrides):
            for statements in layer:
                for statement in statements:
                    _merge_by_sid(merged, statement)
        return merged

    def _documents(self, raw: Mapping[str, Any], list_key: str, single_key: str) -> Any:
        """Statement lists of the referenced documents; None if any is not known."""
        items: list[Any] = []
        for key in (single_key, list_key):
            value = raw.get(key)
            if value is None:
                continue
            if key == list_key and not isinstance(value, list):
                return None  # e.g. var.documents
            items.extend(value if key == list_key else [value])
        out = []
        for item in items:
            statements = self.statements_of(item)
            if not isinstance(statements, list):
                return None
            out.append(statements)
        return out

    def statements_of(self, raw: Any) -> Any:
        """Statements of a raw ``policy``-like value, ``$unknown``, or NOT_IAM."""
        if not isinstance(raw, str):
            return unknown(json.dumps(raw, default=str)) if raw is not None else NOT_IAM
        segments = template.split(raw)
        if segments is not None and len(segments) == 1 and \
                segments[0].part is template.Part.EXPRESSION:
            expression = segments[0].text.strip()
            reference = _DOC_REF.match(expression)
            if reference:
                return self.document(reference.group(1))
        argument = self._resolver.jsonencode_argument(raw)
        if argument is not MISSING:
            return statements_from_json(self._resolver.resolve(argument), raw[2:-1])
        return self._from_json_text(raw)

    def _from_json_text(self, raw: str) -> Any:
        escaped = not isinstance(raw, HeredocText)
        text = template.unescape_literals(raw) if escaped else str(raw)
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = MISSING
        if decoded is not MISSING:
            # Interpolations inside JSON strings: resolve each string on its own.
            document = _map_strings(decoded, self._json_string)
            return statements_from_json(document, template.expression_text(raw))
        value = self._resolver.resolve_string(raw)
        if isinstance(value, str):
            try:
                return statements_from_json(json.loads(value), template.expression_text(raw))
            except ValueError:
                pass
        return unknown(template.expression_text(raw))


    def _json_string(self, text: str) -> Any:
        value = self._resolver.resolve_template(text, escaped=False)
        # It sits in a JSON string, so it is a string: say so with the template's text.
        return unknown(f'"{text}"') if is_unknown(value) else value


def _merge_by_sid(merged: list[dict[str, Any]], statement: dict[str, Any]) -> None:
    sid = statement.get("Sid")
    if isinstance(sid, str) and sid:
        for index, existing in enumerate(merged):
            if existing.get("Sid") == sid:
                merged[index] = statement
                return
    merged.append(statement)


def _map_strings(value: Any, function: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return function(value) if template.needs_parsing(value) else value
    if isinstance(value, dict):
        return {k: _map_strings(v, function) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, function) for v in value]
    return value


def policies_of(type_: str, mode: str, name: str, raw: Mapping[str, Any],
                documents: Documents) -> list[dict[str, Any]]:
    """``iam_policies`` of one block (raw normalized body), per the contract."""
    found: list[dict[str, Any]] = []

    def add(attribute: str, statements: Any) -> None:
        if statements is not NOT_IAM:
            found.append({"attribute": attribute, "statements": statements})

    if mode == "data" and type_ == POLICY_DOCUMENT:
        add("json", documents.document(name))
        return found
    if not type_.startswith("aws_") or mode not in ("managed", "data"):
        return found
    for attribute in _POLICY_ATTRIBUTES:
        if attribute in raw and not isinstance(raw[attribute], list):
            add(attribute, documents.statements_of(raw[attribute]))
    inline = raw.get("inline_policy")
    if isinstance(inline, list):
        for block in inline:
            if isinstance(block, Mapping) and "policy" in block:
                add("inline_policy.policy", documents.statements_of(block["policy"]))
    return found


def statements_of_value(value: Any, text: str) -> Any:
    """Statements of a final value (plan JSON): a JSON string, a marker, or unset."""
    if value is None or value == "":
        return NOT_IAM
    if is_marker(value):
        return unknown(text)
    if not isinstance(value, str):
        return NOT_IAM
    try:
        return statements_from_json(json.loads(value), text)
    except ValueError:
        return unknown(text)


def plan_policies(type_: str, mode: str, address: str, values: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    """``iam_policies`` of a plan resource, whose values are final."""
    found: list[dict[str, Any]] = []

    def add(attribute: str, statements: Any) -> None:
        if statements is not NOT_IAM:
            found.append({"attribute": attribute, "statements": statements})

    if mode == "data" and type_ == POLICY_DOCUMENT:
        text = f"{address}.json"
        statements = statements_of_value(values.get("json"), text)
        blocks = values.get("statement")
        if not isinstance(statements, list) and isinstance(blocks, list) and all(
                isinstance(b, Mapping) for b in blocks):
            statements = [statement_from_block(b) for b in blocks]
        add("json", unknown(text) if statements is NOT_IAM else statements)
        return found
    if not type_.startswith("aws_"):
        return found
    for attribute in _POLICY_ATTRIBUTES:
        add(attribute, statements_of_value(values.get(attribute), f"{address}.{attribute}"))
    inline = values.get("inline_policy")
    if isinstance(inline, list):
        for block in inline:
            if isinstance(block, Mapping):
                add("inline_policy.policy", statements_of_value(
                    block.get("policy"), f"{address}.inline_policy.policy"))
    return found
