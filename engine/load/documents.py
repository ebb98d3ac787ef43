"""Any configuration file as conftest sees it: one parsed value per file (conftest-style
policies, engine/evaluate/conftest).

conftest picks a parser by file name and hands each policy the parsed file as ``input``.
Its conventions, reproduced here:

* **YAML** (``.yaml``, ``.yml``): a file with several documents is a *list* of documents;
* **JSON** (``.json``): the value as is (a UTF-8 BOM is ignored);
* **HCL2** (``.tf``, ``.tfvars``, ``.hcl``): the shape of tmccombs/hcl2json, which conftest
  uses — see :mod:`engine.load.hcl_json`;
* **TOML** (``.toml``), **INI** (``.ini``: sections of keys, numbers and booleans typed as
  go-ini + conftest do, keys before the first section dropped), **dotenv** (``.env``,
  ``.env.*``, ``*.env``: a flat map of strings);
* **Dockerfile** (``Dockerfile``, ``Dockerfile.*``, ``*.dockerfile``): the list of
  instructions buildkit gives conftest — see :mod:`engine.load.dockerfile`.

A parsed value that is a list is evaluated *per element* by conftest (that is how a
multi-document YAML file is checked one document at a time, and also what happens to a
top-level YAML or JSON list); :class:`ParsedFile.documents` holds those units with the line
each starts on.

Files conftest could parse but this module cannot (CUE, XML, Jsonnet, HOCON,
EDN, VCL, properties, ignore files, textproto) are named by :func:`unsupported_parser` so
the caller can list them as not evaluated — never dropped without a word.

Secrets are redacted here, at load time (DESIGN.md §3): Kubernetes ``Secret`` payloads,
credential-named keys and environment entries at any depth, and Terraform resources by
type. A policy still sees the key (``{"$redacted": true}`` as its value), never the value.
"""

from __future__ import annotations

import configparser
import datetime
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from engine.limits import (
    BINARY_CODE,
    LIMIT_CODE,
    LimitExceeded,
    NotReadable,
    binary_problem,
    check_json_depth,
    read_limited,
)
from engine.load.redact import (
    REDACTED,
    REDACTED_TEXT,
    is_secret_env_name,
    is_secret_key,
    redact_kubernetes_object,
    redact_terraform_config,
    redact_value,
)
from engine.load.redact_documents import (
    is_plan_document,
    redact_hcl_sensitive,
    redact_leaves,
    redact_plan_document,
)
from engine.load.yaml_loader import StrictLoader as _YamlLoader  # duplicate keys are errors
from engine.model import ScanError

UNIT = "conftest"

# Extensions conftest parses that we do not (yet): listed as not evaluated.
_UNSUPPORTED_EXTENSIONS = {
    "cue": "cue", "xml": "xml", "jsonnet": "jsonnet", "libsonnet": "jsonnet",
    "hocon": "hocon", "edn": "edn", "vcl": "vcl", "properties": "properties",
    "gitignore": "ignore", "dockerignore": "ignore", "textproto": "textproto",
    "jsonc": "jsonc", "hcl1": "hcl1",
}
_CONSTRUCT_ERRORS = (ValueError, TypeError, KeyError, OverflowError, RecursionError)
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False,
             "False": False}
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?(.*)$")


@dataclass(frozen=True)
class Document:
    """One evaluation unit of a file: ``value`` is the policy's ``input``."""

    value: Any
    line: int  # 1-based line it starts on (1 when the parser gives none)
    index: int  # position in the file's list of documents (0 for a single value)


@dataclass(frozen=True)
class ParsedFile:
    file: str  # relative to the scan root, POSIX
    parser: str
    documents: tuple[Document, ...] = ()
    errors: tuple[ScanError, ...] = ()
    multiple: bool = False  # the parsed value was a list: evaluated element by element


def parser_for(name: str) -> str | None:
    """The conftest parser this module uses for ``name``, or None."""
    base = PurePosixPath(name).name.lower()
    ext = base.rsplit(".", 1)[1] if "." in base[1:] else ""
    if ext in ("yaml", "yml"):
        return "yaml"
    if ext == "json":
        return "json"
    if ext in ("tf", "tfvars", "hcl"):
        return "hcl2"
    if ext == "toml":
        return "toml"
    if ext == "ini":
        return "ini"
    if base == ".env" or base.startswith(".env.") or ext == "env":
        return "dotenv"
    if base == "dockerfile" or base.startswith("dockerfile.") or ext == "dockerfile":
        return "dockerfile"
    return None


def unsupported_parser(name: str) -> str | None:
    """The conftest parser a file would need that is not available here, or None.

    Files without an extension are not listed (conftest would try them as YAML; a
    ``LICENSE`` is not configuration)."""
    base = PurePosixPath(name).name.lower()
    ext = base.rsplit(".", 1)[1] if "." in base[1:] else ""
    return _UNSUPPORTED_EXTENSIONS.get(ext)


def load_file(root: Path, name: str) -> ParsedFile:
    """Parse one file; every problem is a ``parse-error`` with its line, never an exception."""
    parser = parser_for(name)
    if parser is None:
        return ParsedFile(name, "none", errors=(_error(name, 0, "no parser for this file"),))
    try:
        raw = read_limited(root / name)
        problem = binary_problem(raw)
        if problem:
            return ParsedFile(name, parser, errors=(ScanError(
                BINARY_CODE, f"{problem}: not parsed as text", name, 0, UNIT),))
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except (LimitExceeded, NotReadable) as exc:
        return ParsedFile(name, parser, errors=(ScanError(exc.code, exc.message, name, 0,
                                                          UNIT),))
    except UnicodeDecodeError as exc:
        return ParsedFile(name, parser, errors=(_error(name, 0, f"not UTF-8 text (byte "
                                                             f"{exc.start})"),))
    except OSError as exc:
        return ParsedFile(name, parser, errors=(ScanError(
            "read-error", f"cannot read: {exc.strerror or exc}", name, 0, UNIT),))
    try:
        if parser == "yaml":
            return _yaml(name, text)
        if parser == "dockerfile":
            return _dockerfile(name, text)
        value = _PARSERS[parser](name, text)
    except _ParseFailure as failure:
        return ParsedFile(name, parser, errors=(_error(name, failure.line, failure.message),))
    except LimitExceeded as exc:
        return ParsedFile(name, parser, errors=(ScanError(LIMIT_CODE, exc.message, name,
                                                          exc.line, UNIT),))
    if _is_tfvars(name):
        value = _redact_tfvars(root, name, value)
    return _split(name, parser, _redact(value, parser), lines=None)


class _ParseFailure(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _error(name: str, line: int, message: str) -> ScanError:
    return ScanError("parse-error", message, name, line, UNIT)


def _split(name: str, parser: str, value: Any, lines: list[int] | None) -> ParsedFile:
    """conftest's rule: a list is evaluated element by element, anything else once."""
    if isinstance(value, list):
        documents = tuple(Document(item, lines[i] if lines and i < len(lines) else 1, i)
                          for i, item in enumerate(value))
        return ParsedFile(name, parser, documents, multiple=True)
    return ParsedFile(name, parser, (Document(value, 1, 0),))


# -- JSON values as Go's encoders produce them -------------------------------------------

def jsonable(value: Any) -> Any:
    """Plain JSON data: keys as strings (``true``, ``1``, ``null`` as sigs.k8s.io/yaml
    writes them), dates as ISO text, non-finite numbers as text."""
    if isinstance(value, Mapping):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _key(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return key if isinstance(key, str) else str(jsonable(key))


# -- parsers --------------------------------------------------------------------------

def _yaml(name: str, text: str) -> ParsedFile:
    """Every document with its line. One document: its value (a list is then split per
    element, as conftest does); several: the list of documents."""
    loader = _YamlLoader(text)
    values: list[Any] = []
    lines: list[int] = []
    item_lines: list[int] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            try:
                value = loader.construct_document(node)
            except _CONSTRUCT_ERRORS as exc:
                return ParsedFile(name, "yaml", errors=(_error(
                    name, node.start_mark.line + 1,
                    f"invalid YAML: a value does not match its type tag or nesting is too "
                    f"deep ({type(exc).__name__})"),))
            values.append(value)
            lines.append(node.start_mark.line + 1)
            item_lines = ([item.start_mark.line + 1 for item in node.value]
                          if isinstance(node, yaml.SequenceNode) else [])
    except LimitExceeded as exc:
        return ParsedFile(name, "yaml", errors=(ScanError(LIMIT_CODE, exc.message, name,
                                                          exc.line, UNIT),))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return ParsedFile(name, "yaml", errors=(_error(
            name, mark.line + 1 if mark is not None else 0, f"invalid YAML: {problem}"),))
    finally:
        loader.dispose()
    if len(values) == 1:
        return _split(name, "yaml", _redact(jsonable(values[0]), "yaml"), item_lines or None)
    if not values:
        return ParsedFile(name, "yaml", (Document(None, 1, 0),))
    documents = tuple(Document(_redact(jsonable(v), "yaml"), line, i)
                      for i, (v, line) in enumerate(zip(values, lines, strict=True)))
    return ParsedFile(name, "yaml", documents, multiple=True)


def _json(name: str, text: str) -> Any:
    try:
        value = json.loads(text)
        check_json_depth(value)
        return value
    except json.JSONDecodeError as exc:
        raise _ParseFailure(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise _ParseFailure("invalid JSON: nesting is too deep") from None


def _hcl2(name: str, text: str) -> Any:
    from engine.load.hcl_json import hcl_to_json  # Lark is loaded only when HCL is present

    converted = hcl_to_json(text, name)
    if isinstance(converted, ScanError):  # its message starts with the path: the error has it
        raise _ParseFailure("invalid HCL: " + converted.message.removeprefix(f"{name}: "),
                            converted.line)
    return converted


def _toml(name: str, text: str) -> Any:
    try:
        return jsonable(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        line = int(getattr(exc, "lineno", 0) or 0)
        message = str(exc).split(" (at line", 1)[0]
        raise _ParseFailure(f"invalid TOML: {message}", line) from None


def _ini_value(text: str) -> Any:
    """go-ini's strings typed as conftest does: a number (float), then a Go boolean."""
    if _DECIMAL.match(text.strip()):
        return float(text)
    if text in _GO_BOOLS:
        return _GO_BOOLS[text]
    return text


_INI_HEAD = "\x00conftest-keys-before-any-section"


def _ini(name: str, text: str) -> Any:
    # go-ini keeps keys before the first section in DEFAULT, which conftest drops; here they
    # go to a section that cannot clash with a real name, and are dropped too.
    parser = configparser.RawConfigParser(default_section=_INI_HEAD, strict=False,
                                          allow_no_value=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    try:
        parser.read_string(f"[{_INI_HEAD}]\n" + text)
    except configparser.Error as exc:
        line = max(int(getattr(exc, "lineno", 1) or 1) - 1, 0)
        raise _ParseFailure(f"invalid INI: {type(exc).__name__}", line) from None
    for key in list(parser.defaults()):  # keys before any section: dropped, not inherited
        parser.remove_option(_INI_HEAD, key)
    out: dict[str, Any] = {}
    for section in parser.sections():
        out[section] = {key: _ini_value(value or "")
                        for key, value in parser.items(section, raw=True)}
    return out


def _dotenv(name: str, text: str) -> Any:
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if match is None:
            raise _ParseFailure("invalid dotenv line: expected KEY=VALUE", number)
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        out[match.group(1)] = value
    return out


def _dockerfile(name: str, text: str) -> ParsedFile:
    """One document: the instruction list (conftest wraps it in a one-element list, which
    its engine unwraps, so the policy's ``input`` is the list itself)."""
    from engine.load.dockerfile import DockerfileError, parse_dockerfile

    try:
        commands = parse_dockerfile(text)
    except DockerfileError as exc:
        raise _ParseFailure(f"invalid Dockerfile: {exc.message}", exc.line) from None
    for command in commands:
        if command["Cmd"] in ("env", "arg", "label") or command["SubCmd"].lower() in (
                "env", "arg", "label"):
            command["Value"] = _redact_instruction(command["Value"])
    return ParsedFile(name, "dockerfile", (Document(commands, 1, 0),))


def _redact_instruction(values: list[str] | None) -> list[str] | None:
    """``ENV DB_PASSWORD=x`` (key, value, "=" triples) and ``ARG TOKEN=x`` words."""
    if not values:
        return values
    out = list(values)
    if len(out) % 3 == 0 and all(sep in ("=", "") for sep in out[2::3]):
        for i in range(0, len(out), 3):
            if is_secret_env_name(out[i]):
                out[i + 1] = REDACTED_TEXT
        return out
    return [f"{word.partition('=')[0]}={REDACTED_TEXT}"
            if "=" in word and is_secret_env_name(word.partition("=")[0]) else word
            for word in out]


_PARSERS = {"json": _json, "hcl2": _hcl2, "toml": _toml, "ini": _ini, "dotenv": _dotenv}


# -- redaction ------------------------------------------------------------------------

def _is_tfvars(name: str) -> bool:
    return PurePosixPath(name).name.lower().endswith((".tfvars", ".tfvars.json"))


def _redact_tfvars(root: Path, name: str, value: Any) -> Any:
    """A variable definitions file: the value of every variable declared ``sensitive = true``
    in a ``variable`` block of the same folder (the module it sets), and of every
    credential-named one (``db_pass``, ``api_token``)."""
    if not isinstance(value, Mapping):
        return value
    sensitive = _sensitive_variables(root, str(PurePosixPath(name).parent))
    return {k: redact_leaves(v) if k in sensitive or is_secret_key(k) or is_secret_env_name(k)
            else v for k, v in value.items()}


# folder -> (its .tf files with size and mtime, the sensitive variable names they declare):
# every .tfvars file of a folder needs the same answer, and the .tf files are parsed once.
_SENSITIVE_CACHE: dict[str, tuple[tuple[tuple[str, int, int], ...], frozenset[str]]] = {}


def _sensitive_variables(root: Path, folder: str) -> frozenset[str]:
    directory = root / folder if folder not in ("", ".") else root
    try:
        entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                         for e in os.scandir(directory)
                         if e.is_file() and e.name.lower().endswith((".tf", ".tf.json")))
    except OSError:
        return frozenset()
    key = str(directory)
    cached = _SENSITIVE_CACHE.get(key)
    if cached is not None and cached[0] == tuple(entries):
        return cached[1]
    from engine.load.hcl_json import hcl_to_json

    names: set[str] = set()
    for entry, _, _ in entries:
        relative = str(PurePosixPath(folder) / entry) if folder not in ("", ".") else entry
        try:
            text = read_limited(directory / entry).decode("utf-8")
            document = json.loads(text) if entry.lower().endswith(".json") else \
                hcl_to_json(text, relative)
        except (OSError, ValueError, RecursionError, LimitExceeded, NotReadable):
            continue  # a file that cannot be read or parsed is reported where it is loaded
        variables = document.get("variable") if isinstance(document, Mapping) else None
        if not isinstance(variables, Mapping):
            continue
        for variable, bodies in variables.items():
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if isinstance(body, Mapping) and body.get("sensitive") is True:
                    names.add(str(variable))
    found = frozenset(names)
    _SENSITIVE_CACHE[key] = (tuple(entries), found)
    return found


def _redact(value: Any, parser: str) -> Any:
    if parser == "json" and is_plan_document(value):
        value = redact_plan_document(value)
    if parser == "hcl2" and isinstance(value, Mapping):
        value = redact_hcl_sensitive(value)
    if parser == "dotenv" and isinstance(value, Mapping):
        return {k: dict(REDACTED) if is_secret_env_name(k) else v for k, v in value.items()}
    if parser == "hcl2" and isinstance(value, Mapping):
        return _redact_hcl(value)
    if isinstance(value, list):
        return [_redact_one(v) for v in value]
    return _redact_one(value)


def _redact_one(value: Any) -> Any:
    if isinstance(value, Mapping) and "apiVersion" in value and "kind" in value:
        return redact_value(redact_kubernetes_object(value))
    return redact_value(value)


def _redact_hcl(document: Mapping[str, Any]) -> Any:
    """Terraform resources and data sources by type; everything else by key names."""
    out = redact_value(document)
    for block in ("resource", "data"):
        types = out.get(block)
        if not isinstance(types, dict):
            continue
        for type_, names in types.items():
            if not isinstance(names, dict):
                continue
            for name, bodies in names.items():
                if isinstance(bodies, list):
                    names[name] = [redact_terraform_config(type_, b) if isinstance(b, Mapping)
                                   else b for b in bodies]
    return out
