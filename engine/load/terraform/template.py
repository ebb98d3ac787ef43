"""HCL string templates as hcl2 hands them over: splitting, unescaping, expression text.

hcl2 renders every non-literal expression as a string wrapped in ``${...}`` and keeps
quoted strings as their raw source between the quotes, so both ``var.x`` and ``"${var.x}"``
arrive as ``${var.x}`` (Terraform gives them the same value anyway), and
``"logs-${var.env}"`` arrives as ``logs-${var.env}``. This module splits such a string into
literal and interpolation parts by matching braces (respecting quoted strings inside the
expression), so no part of it is ever evaluated as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Part(Enum):
    LITERAL = "literal"
    EXPRESSION = "expression"  # ${ ... }
    DIRECTIVE = "directive"  # %{ ... } (if/for): never resolved statically


@dataclass(frozen=True)
class Segment:
    part: Part
    text: str


def needs_parsing(text: str) -> bool:
    """False for the common plain string that holds no template syntax or escape."""
    return "$" in text or "%" in text or "\\" in text


def split(text: str) -> list[Segment] | None:
    """Split a template into segments; None when its braces do not balance."""
    segments: list[Segment] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith(("$${", "%%{"), i):
            literal.append(text[i:i + 3])  # escapes stay escaped until literal() renders them
            i += 3
            continue
        if text.startswith(("${", "%{"), i):
            end = _closing_brace(text, i + 2)
            if end is None:
                return None
            if literal:
                segments.append(Segment(Part.LITERAL, "".join(literal)))
                literal = []
            part = Part.EXPRESSION if text[i] == "$" else Part.DIRECTIVE
            segments.append(Segment(part, text[i + 2:end]))
            i = end + 1
            continue
        literal.append(text[i])
        i += 1
    if literal:
        segments.append(Segment(Part.LITERAL, "".join(literal)))
    return segments


def _closing_brace(text: str, start: int) -> int | None:
    """Index of the ``}`` closing the interpolation whose body starts at ``start``."""
    stack = ["expr"]  # "expr" / "brace": inside an expression; "str": inside a quoted string
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if stack[-1] == "str":
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                stack.pop()
            elif text.startswith(("${", "%{"), i):
                stack.append("expr")
                i += 1
        elif ch == '"':
            stack.append("str")
        elif ch == "{":
            stack.append("brace")
        elif ch == "}":
            stack.pop()
            if not stack:
                return i
        i += 1
    return None


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape_match(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code:
        try:
            return chr(int(code, 16))
        except ValueError:  # beyond U+10FFFF
            return match.group(0)
    return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))


def unescape(text: str) -> str:
    """HCL quoted-string escapes (``\\n``, ``\\"``, ``\\uNNNN`` …); unknown ones stay as-is."""
    return _ESCAPE.sub(_unescape_match, text) if "\\" in text else text


def literal(text: str, escaped: bool) -> str:
    """The value of a literal segment: backslash escapes (quoted strings only), ``$${``."""
    value = unescape(text) if escaped else text
    return value.replace("$${", "${").replace("%%{", "%{")


def unescape_literals(text: str) -> str:
    """A quoted string's template with backslash escapes applied to its literal parts only.

    The result reads like heredoc text: interpolations and ``$${`` escapes are untouched.
    """
    segments = split(text)
    if segments is None:
        return unescape(text)
    out: list[str] = []
    for segment in segments:
        if segment.part is Part.LITERAL:
            out.append(unescape(segment.text))
        else:
            out.append(("${" if segment.part is Part.EXPRESSION else "%{") + segment.text + "}")
    return "".join(out)


def expression_text(raw: str) -> str:
    """The expression as the user wrote it, for ``$unknown``: ``var.x`` for a pure
    expression, the quoted template (``"logs-${aws_x.y.id}"``) otherwise."""
    segments = split(raw)
    if segments is not None and len(segments) == 1 and segments[0].part is Part.EXPRESSION:
        return segments[0].text.strip()
    return f'"{raw}"'
