"""Parse one HCL file with Checkov's ``hcl2`` (bc-python-hcl2), once, into raw values.

We drive hcl2's Lark parser with a small subclass of its ``DictTransformer`` so that the
output keeps two facts plain ``hcl2.loads`` throws away:

* object expressions (``tags = { a = "b" }``) come back as :class:`HclObject`, a ``dict``
  subclass, while block bodies stay plain ``dict``. hcl2 wraps *both* attributes and blocks
  in one-element lists, so ``tags = {}`` and ``lifecycle {}`` are otherwise identical —
  this marker is what lets :mod:`.body` tell an attribute from a nested block reliably;
* heredoc contents come back as :class:`HeredocText` (backslashes in a heredoc are literal,
  in a quoted string they are escapes), and the argument of every ``jsonencode(...)`` call
  is kept structured in :attr:`ParsedFile.jsonencode_args`, keyed by the call's text, so it
  is never re-parsed from text (and never evaluated); so are the arguments of ``merge(...)``
  calls, which the resolver merges when every argument is a known map.

The subclass also renders operands of calls, operators, conditionals, ``for`` expressions and
provider functions as HCL (``merge(local.tags, {Name = "x"})``, ``var.x != null``) where hcl2
uses Python's ``str()`` (``{'Name': 'x'}``, ``None``): those texts are what ``$unknown`` shows
to users (after :func:`engine.load.redact.redact_expression_text` removed secret literals).

Line endings: ``\r\n`` (a Windows checkout with ``core.autocrlf``) is read as ``\n`` —
hcl2's heredoc terminal only knows ``\n`` — so line numbers stay those of the file.

The parser is hcl2's grammar with its two string terminals rewritten so they cannot
backtrack catastrophically (see :func:`parser`); on every file of the shared corpus it
produces exactly what ``hcl2.loads`` produces, but it returns on inputs where hcl2 hangs.

Errors never escape: a file that cannot be read or parsed becomes a ``parse-error``
:class:`~engine.model.ScanError` with the line (and column, in the message) where the parser
stopped and what it expected there. Messages never quote source text beyond a single
character, so a secret on a broken line cannot leak through an error.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from hcl2.parser import LARK_GRAMMAR, Hcl2, strip_line_comment
from hcl2.transformer import DictTransformer, Heredoc
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.visitors import Discard

from engine.model import ScanError


class HclObject(dict[str, Any]):
    """An object expression ``{ k = v }`` (an attribute value), never a block body."""


class HeredocText(str):
    """The content of a heredoc: ``${}`` interpolates, backslashes are literal."""

    __slots__ = ()


class MergeArguments(tuple[Any, ...]):
    """The raw arguments of a ``merge(...)`` call (see :attr:`ParsedFile.jsonencode_args`)."""

    __slots__ = ()


@dataclass(frozen=True)
class ParsedFile:
    path: str  # relative to the scan root, POSIX
    body: dict[str, Any]
    # Structured arguments of the calls the resolver evaluates, keyed by the call's text:
    # ``jsonencode(x)`` -> the raw x; ``merge(a, b)`` -> MergeArguments((a, b)).
    jsonencode_args: dict[str, Any] = field(default_factory=dict)


class _Transformer(DictTransformer):  # type: ignore[misc]  # hcl2 is follow_imports=skip
    def __init__(self) -> None:
        super().__init__()
        self.jsonencode_args: dict[str, Any] = {}

    def object(self, args: list[Any]) -> dict[str, Any]:
        return HclObject(super().object(args))

    def function_call(self, args: list[Any]) -> str:
        parts = self.strip_new_line_tokens(args)
        arguments = parts[1] if len(parts) > 1 else []
        text = f"{parts[0]}({', '.join(render(a, nested=False) for a in arguments)})"
        if str(parts[0]) == "jsonencode" and len(arguments) == 1:
            # Same normalisation hcl2 applies to attribute values, so the argument looks
            # exactly like any other raw value to the resolver.
            self.jsonencode_args[text] = self.to_string_dollar(arguments[0])
        elif str(parts[0]) == "merge":
            # merge(var.tags, {...}) is how most modules build tags: kept structured (a
            # tuple of raw arguments) so the resolver can merge maps it knows.
            self.jsonencode_args[text] = MergeArguments(
                self.to_string_dollar(a) for a in arguments)
        return text

    # hcl2 renders operands with str(): null as None, objects as Python dicts. These
    # texts end up in "$unknown" and in reports, so render them as HCL instead.
    def conditional(self, args: list[Any]) -> str:
        parts = [render(a, nested=False) for a in self.strip_new_line_tokens(args)]
        return f"{parts[0]} ? {parts[1]} : {parts[2]}"

    def binary_op(self, args: list[Any]) -> str:
        return " ".join(render(a, nested=False) for a in args)

    def binary_term(self, args: list[Any]) -> str:
        return " ".join(render(a, nested=False) for a in self.strip_new_line_tokens(args))

    def unary_op(self, args: list[Any]) -> str:
        return "".join(render(a, nested=False) for a in args)

    def for_tuple_expr(self, args: list[Any]) -> str:
        parts = self.strip_new_line_tokens(args)
        return "[" + " ".join(render(a, nested=False) for a in parts[1:-1]) + "]"

    def for_object_expr(self, args: list[Any]) -> str:
        parts = self.strip_new_line_tokens(args)
        return "{" + " ".join(render(a, nested=False) for a in parts[1:-1]) + "}"

    def provider_function_call(self, args: list[Any]) -> str:
        parts = self.strip_new_line_tokens(args)
        arguments = [a for a in parts[5] if a is not Discard] if len(parts) > 5 else []
        name = "::".join(str(part) for part in (parts[0], parts[2], parts[4]))
        return f"{name}({', '.join(render(a, nested=False) for a in arguments)})"

    def to_string_dollar(self, value: Any) -> Any:
        if isinstance(value, Heredoc):
            return HeredocText(str(value)[1:-1])
        return super().to_string_dollar(value)


# hcl2's string terminals nest unbounded quantifiers (``(...)+`` inside ``(...)+``), so
# Python's regex engine backtracks exponentially on some malformed strings: hcl2.loads (and
# Checkov with it) hangs on them. The same languages written possessively/atomically cannot
# backtrack; we build the parser from hcl2's grammar with only these two terminals replaced.
_STRING_CHARS = ('STRING_CHARS : /(?:(?!\\${)([^"\\\\]|\\\\.))+/+',
                 'STRING_CHARS : /(?:(?!\\$\\{)(?:[^"\\\\]|\\\\.))++/')
_INTERPOLATION = (
    'INTERPOLATION : "${" (/(?:(?!\\${)([^}"]))+/ | NESTED_QUOTES | NESTED_INTERPOLATION)+ "}"',
    'INTERPOLATION : "${" /(?>(?:(?!\\$\\{)[^}"])++|"[^"]*"|\\$\\{[^}]+\\})+/ "}"',
)


@functools.cache
def parser() -> Lark:
    """hcl2's LALR parser, with non-backtracking string terminals when the grammar is the
    one we know (else hcl2's own parser: a newer hcl2 may have fixed or changed them)."""
    grammar = LARK_GRAMMAR
    if _STRING_CHARS[0] not in grammar or _INTERPOLATION[0] not in grammar:
        lark_parser: Lark = Hcl2.lark_parser
        return lark_parser
    grammar = grammar.replace(*_STRING_CHARS).replace(*_INTERPOLATION)
    # cache=True: Lark stores the built tables in the temp folder, as hcl2 does (~1 s once).
    return Lark(grammar=grammar, parser="lalr", propagate_positions=True, cache=True)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def render(value: Any, nested: bool) -> str:
    """HCL text of a value inside an expression. ``nested``: the value sits in an object or
    tuple, where hcl2 has already unquoted literals and wrapped expressions in ``${}``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = (f"{k if _IDENTIFIER.match(str(k)) else json.dumps(str(k))} = "
                 f"{render(v, nested=True)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v, nested=True) for v in value) + "]"
    if not isinstance(value, str):
        return str(value)
    if not nested:
        return str(value)  # a raw token: expression text, or a literal with its quotes
    if value.startswith("${") and value.endswith("}") and "${" not in value[2:]:
        return value[2:-1]
    if isinstance(value, HeredocText):
        return json.dumps(str(value), ensure_ascii=False)
    return f'"{value}"'  # hcl2 kept the source's escapes: re-quoting restores the literal


def parse_hcl(text: str, path: str) -> ParsedFile | ScanError:
    """Parse ``text`` (the content of ``path``); never raises for bad input."""
    text = text.replace("\r\n", "\n")  # CRLF checkouts: same lines, hcl2-readable heredocs
    bad_line = _unclosed_quote_line(text)
    if bad_line is not None:
        # hcl2 refuses these before parsing: Lark's string regex backtracks catastrophically
        # on an unclosed quote. We locate the line ourselves (hcl2's message quotes the line,
        # which could carry a secret).
        return _error(path, bad_line, 0, 'unclosed quote (") on this line')
    transformer = _Transformer()
    try:
        # hcl2.loads appends a newline too: its grammar has no end-of-file rule.
        tree = parser().parse(text + "\n")
        body = transformer.transform(tree)
    except UnexpectedInput as exc:
        return _lark_error(path, exc)
    except RecursionError:
        return _error(path, 0, 0, "expression nesting too deep to parse")
    except Exception as exc:  # hcl2's transformer raises plain errors on odd heredocs etc.
        return _error(path, 0, 0, f"cannot parse HCL ({type(exc).__name__})")
    if not isinstance(body, dict):
        return _error(path, 0, 0, "cannot parse HCL (unexpected parser output)")
    return ParsedFile(path, body, transformer.jsonencode_args)


def _error(path: str, line: int, column: int, what: str) -> ScanError:
    where = f"line {line}, column {column}" if line and column else f"line {line}" if line else ""
    message = f"{path}: {where}: {what}" if where else f"{path}: {what}"
    return ScanError(code="parse-error", message=message, file=path, line=max(line, 0))


_TERMINAL_NAMES = {
    "$END": "end of file",
    "_NEW_LINE_OR_COMMENT": "a newline",
    "STRING_LIT": "a string",
    "DECIMAL": "a number",
    "__ANON_0": "an identifier",
    "__ANON_7": "a heredoc",
    "__ANON_8": "a heredoc",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name


def _lark_error(path: str, exc: UnexpectedInput) -> ScanError:
    line = int(getattr(exc, "line", 0) or 0)
    column = int(getattr(exc, "column", 0) or 0)
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken):
        what = f"unexpected {_describe_terminal(exc.token.type)}"
        expected = set(exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        char = exc.char if exc.char.isprintable() else repr(exc.char)
        what = f"unexpected character '{char}'"
        expected = set(exc.allowed or ())
    elif isinstance(exc, UnexpectedEOF):
        what = "unexpected end of file"
        expected = set(exc.expected)
    else:
        what = "syntax error"
    if line < 0:
        line = 0
    if expected:
        names = sorted({_describe_terminal(name) for name in expected})
        shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
        what += f"; expected {shown}"
    return _error(path, line, column, what)


def _unclosed_quote_line(text: str) -> int | None:
    """The 1-based line hcl2.api.loads would reject for an unclosed quote, else None.

    Mirrors hcl2.api.loads' pre-parse guard line for line (same comment, heredoc and
    multi-line-interpolation handling) so we accept what Checkov accepts, but reports where
    the problem is instead of raising with the line's text. One deliberate difference: the
    heredoc marker is regex-escaped, where hcl2 would crash on a marker like ``EOF(``.
    """
    heredoc_end = ""
    in_comment = False
    comment_started = False
    in_interpolation = False
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        comment: str | None = None
        if not heredoc_end and not in_comment and "/*" in line:
            line, token, comment = strip_line_comment(line)
            if token == "/*":
                comment_started = True
        elif not heredoc_end and in_comment and "*/" in line:
            in_comment = False
            continue

        if not in_comment and "= <<" in line:
            heredoc_end = line.split("= <<")[1]
        elif not in_comment and heredoc_end and re.match(rf"\s*{re.escape(heredoc_end)}", line):
            heredoc_end = ""
        elif not in_comment and heredoc_end == "" and line.replace('\\"', "").count('"') % 2:
            stripped = strip_line_comment(line)[0] if not comment else line
            if stripped.replace('\\"', "").count('"') % 2:
                if "${" in stripped or in_interpolation:
                    depth += stripped.count("{") - stripped.count("}")
                if depth > 0:
                    in_interpolation = True
                    continue
                if in_interpolation and depth == 0:
                    in_interpolation = False
                    continue
                if stripped.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0:
                    continue  # the quote was preceded by escaped backslashes
                return number

        if comment_started:
            comment_started = False
            in_comment = comment is not None and "*/" not in comment
    return None
