"""Resolve raw hcl2 values: ``var.x``, literal ``local.x``, interpolation, ``jsonencode``.

What resolves (docs/input-contract.md):

* ``var.NAME`` — the last of: the variable's ``default``, ``terraform.tfvars``,
  ``terraform.tfvars.json``, ``*.auto.tfvars[.json]`` in lexical order. A variable declared
  ``sensitive = true``, or whose name looks like a credential, resolves to
  ``{"$redacted": true}`` so its value cannot surface under an innocent attribute name;
* ``local.NAME`` — a local whose expression resolves (it may use other locals and vars);
  a local whose name looks like a credential (``local.db_password``) is ``$redacted`` too;
* traversals into those values: ``var.cfg.name``, ``local.list[0]``, ``var.map["k"]``; a
  step with a credential's name (``local.db.password``) gives ``$redacted``;
* string templates whose every interpolation resolves to a string, number or bool;
* ``jsonencode(x)`` when ``x`` resolves completely (Terraform's byte format), with values
  under credential keys inside it encoded as ``{"$redacted":true}``;
* ``merge(a, b, ...)`` when every argument resolves to a map or object (null arguments are
  skipped, as Terraform does; later keys win) and no key is itself an expression — the usual
  ``tags = merge(var.tags, {...})``. Values inside may still be ``$unknown``. hcl2 drops
  the parentheses of a computed key, so a key that reads like a reference (``var.k``,
  ``local.k``, ``each.key`` …) keeps the whole merge ``$unknown``;
* numeric literals hcl2 leaves as expressions (``-1``).

Everything else — resource attributes, other functions, conditionals, operators, for
expressions, ``%{}`` directives — is ``{"$unknown": "<expression text>"}``. Unknown text is
the expression at the place it is used (``local.a``, not whatever ``local.a`` failed on).
Locals are evaluated lazily, once, with an in-progress set, so cycles terminate as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.load.redact import is_secret_key, redact_value
from engine.load.terraform import template
from engine.load.terraform.body import Dynamic
from engine.load.terraform.hcl import HeredocText, MergeArguments
from engine.load.terraform.template import Part
from engine.load.terraform.values import (
    contains,
    format_scalar,
    fully_known,
    is_marker,
    is_redacted,
    is_unknown,
    redacted,
    terraform_jsonencode,
    unknown,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_STEP = rf'\.{_NAME}|\.\d+|\[\s*(?:-?\d+|"[^"\\]*")\s*\]'
_TRAVERSAL = re.compile(rf"^(var|local)\.({_NAME})((?:{_STEP})*)$")
_STEPS = re.compile(rf'\.({_NAME})|\.(\d+)|\[\s*(-?\d+|"[^"\\]*")\s*\]')
_NUMBER = re.compile(r"^-\s*\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$|^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")

_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None}
# An object key that is an expression: hcl2 drops the parentheses of ``(var.k) = v``, so
# the key arrives as "var.k"; "${...}" keys are templates.
_COMPUTED_KEY = re.compile(
    r"^(?:(?:var|local|each|count|module|data|path|terraform)\.[A-Za-z_]|.*\$\{)")

OMIT = object()  # a block key whose dynamic blocks expand to nothing


@dataclass(frozen=True)
class Variable:
    default: Any  # raw hcl2 value; MISSING when the variable has no default
    sensitive: bool = False


MISSING: Any = object()


class Resolver:
    """Resolves raw values of one module. Each variable and local is evaluated once."""

    def __init__(
        self,
        variables: Mapping[str, Variable] | None = None,
        assignments: Mapping[str, Any] | None = None,
        locals_: Mapping[str, Any] | None = None,
        jsonencode_args: Mapping[str, Any] | None = None,
    ) -> None:
        self._variables = dict(variables or {})
        self._assignments = dict(assignments or {})  # tfvars, already in precedence order
        self._locals = dict(locals_ or {})
        self._jsonencode_args = dict(jsonencode_args or {})
        self._values: dict[tuple[str, str], Any] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._plain_locals: dict[str, Any] = {}  # secret-named locals before redaction

    # -- raw values -------------------------------------------------------------------

    def resolve(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return self.resolve_string(raw)
        if isinstance(raw, Dynamic):
            return self._resolve_dynamic(raw)
        if isinstance(raw, dict):  # block bodies and HclObject alike
            out: dict[str, Any] = {}
            for key, value in raw.items():
                resolved = self.resolve(value)
                if resolved is not OMIT:
                    out[str(key)] = resolved
            return out
        if isinstance(raw, list):
            return [self.resolve(item) for item in raw]
        if raw is None or isinstance(raw, bool | int | float):
            return raw
        return unknown(str(raw))

    def resolve_string(self, raw: str) -> Any:
        return self.resolve_template(raw, escaped=not isinstance(raw, HeredocText))

    def resolve_template(self, raw: str, escaped: bool) -> Any:
        if not template.needs_parsing(raw):
            return str(raw)
        argument = self.jsonencode_argument(raw)
        if argument is not MISSING:
            value = self.resolve(argument)
            if contains(value, is_redacted):
                return redacted()
            if fully_known(value):
                return terraform_jsonencode(redact_value(value))
            return unknown(raw[2:-1])
        merged = self._merge(raw)
        if merged is not MISSING:
            return merged
        segments = template.split(raw)
        if segments is None:
            return unknown(template.expression_text(raw))
        if len(segments) == 1 and segments[0].part is Part.EXPRESSION:
            return self.evaluate(segments[0].text)
        pieces: list[str] = []
        is_secret = is_incomplete = False
        for segment in segments:
            if segment.part is Part.LITERAL:
                pieces.append(template.literal(segment.text, escaped))
                continue
            if segment.part is Part.DIRECTIVE:
                is_incomplete = True
                continue
            value = self.evaluate(segment.text)
            text = None if is_marker(value) else format_scalar(value)
            if is_redacted(value):
                is_secret = True
            elif text is None:
                is_incomplete = True
            else:
                pieces.append(text)
        if is_secret:
            return redacted()
        if is_incomplete:
            return unknown(template.expression_text(raw))
        return "".join(pieces)

    def jsonencode_argument(self, raw: Any) -> Any:
        """The raw argument when ``raw`` is exactly ``jsonencode(<x>)``, else MISSING."""
        if isinstance(raw, str) and raw.startswith("${jsonencode(") and raw.endswith(")}"):
            return self._jsonencode_args.get(raw[2:-1], MISSING)
        return MISSING

    def _merge(self, raw: str) -> Any:
        """The value of ``raw`` when it is exactly ``merge(...)`` of known maps, ``$unknown``
        when it is a merge of anything else, MISSING when it is not a merge call."""
        if not (raw.startswith("${merge(") and raw.endswith(")}")):
            return MISSING
        arguments = self._jsonencode_args.get(raw[2:-1], MISSING)
        if not isinstance(arguments, MergeArguments):
            return MISSING
        merged: dict[str, Any] = {}
        for argument in arguments:
            value = self.resolve(argument)
            if value is None:
                continue
            if is_marker(value) or not isinstance(value, dict) or any(
                    _COMPUTED_KEY.match(key) for key in value):
                return unknown(raw[2:-1])  # not a map, or a computed key: (var.k) = v
            merged.update(value)
        return merged

    def _resolve_dynamic(self, raw: Dynamic) -> Any:
        for_each = [self.resolve(value) for value in raw.for_each]
        if all(value in ([], {}, None) for value in for_each):
            # Every dynamic block iterates over nothing: only the static blocks exist.
            return [self.resolve(block) for block in raw.static] if raw.static else OMIT
        texts = ", ".join(
            template.expression_text(v) if isinstance(v, str) else str(v) for v in raw.for_each
        )
        return unknown(f'dynamic "{raw.label}" (for_each = {texts})')

    # -- expressions ------------------------------------------------------------------

    def evaluate(self, expression: str) -> Any:
        """The value of an expression's text, or ``$unknown`` carrying that text."""
        text = expression.strip()
        if _NUMBER.match(text):
            number = text.replace(" ", "")
            try:
                return int(number)
            except ValueError:
                return float(number)
        if text in _KEYWORDS:
            return _KEYWORDS[text]
        match = _TRAVERSAL.match(text)
        if match is None:
            return unknown(text)
        kind, name, steps = match.groups()
        value = self._lookup(kind, name)
        value = _walk(value, steps)
        if is_unknown(value):
            return unknown(text)
        if _secret_step(steps):
            return _redact_secret(value)
        return value

    def _lookup(self, kind: str, name: str) -> Any:
        key = (kind, name)
        if key in self._values:
            return self._values[key]
        if key in self._in_progress:
            return unknown(f"{kind}.{name}")  # a cycle: local.a = local.b = local.a
        self._in_progress.add(key)
        try:
            value = self._variable(name) if kind == "var" else self._local(name)
        finally:
            self._in_progress.discard(key)
        self._values[key] = value
        return value

    def _local(self, name: str) -> Any:
        if name not in self._locals:
            return unknown(f"local.{name}")
        value = self.resolve(self._locals[name])
        if not is_secret_key(name):
            return value
        self._plain_locals[name] = value
        return _redact_secret(value)

    def _variable(self, name: str) -> Any:
        variable = self._variables.get(name)
        if variable is None:
            return unknown(f"var.{name}")
        raw = self._assignments.get(name, variable.default)
        if raw is MISSING:
            return unknown(f"var.{name}")
        # Defaults and tfvars are literals: they may not refer to other variables.
        value = LITERALS.resolve(raw)
        if variable.sensitive or is_secret_key(name):
            return _redact_secret(value)
        return value

    def secret_literals(self) -> frozenset[str]:
        """The string values of sensitive or secret-named variables (default and tfvars)
        and of secret-named locals: no ``$unknown`` text may show them."""
        found: set[str] = set()
        for name, variable in self._variables.items():
            if variable.sensitive or is_secret_key(name):
                for raw in (variable.default, self._assignments.get(name, MISSING)):
                    if raw is not MISSING:
                        found.update(_strings(LITERALS.resolve(raw)))
        for name in self._locals:
            if is_secret_key(name):
                self._lookup("local", name)
                found.update(_strings(self._plain_locals.get(name)))
        return frozenset(s for s in found if s.strip())


LITERALS = Resolver()  # no variables, no locals: for defaults and tfvars


def _redact_secret(value: Any) -> Any:
    """A secret's value: ``$redacted`` unless it is unset, a flag, or wholly unknown (then
    the expression text at the use site, ``var.x``, is shown: it names, never holds, it)."""
    if value is None or isinstance(value, bool) or is_unknown(value):
        return value
    return redacted()


def _secret_step(steps: str) -> bool:
    for match in _STEPS.finditer(steps):
        attribute, _, index = match.groups()
        key = attribute if attribute is not None else index
        if key is not None and is_secret_key(key.strip('"')):
            return True
    return False


def _strings(value: Any) -> list[str]:
    """Every string leaf of a resolved value (markers have none)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and not is_marker(value):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _walk(value: Any, steps: str) -> Any:
    for match in _STEPS.finditer(steps):
        if is_marker(value):
            return value
        attribute, digit, index = match.groups()
        key: Any = attribute if attribute is not None else digit if digit is not None else index
        if isinstance(key, str) and key.startswith('"'):
            key = key[1:-1]
        value = _step(value, key)
    return value


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value[key] if key in value else unknown(key)
    if isinstance(value, list):
        try:
            position = int(key)
        except ValueError:
            return unknown(key)
        return value[position] if 0 <= position < len(value) else unknown(key)
    return unknown(key)


def reference_text(raw: Any) -> Any:
    """Meta-arguments that *name* things (``provider = aws.eu``, ``depends_on``) as text."""
    if isinstance(raw, str):
        return template.expression_text(raw) if template.needs_parsing(raw) else str(raw)
    if isinstance(raw, list):
        return [reference_text(item) for item in raw]
    if isinstance(raw, dict):
        return {str(k): reference_text(v) for k, v in raw.items()}
    return raw
