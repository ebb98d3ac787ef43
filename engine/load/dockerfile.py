"""Dockerfiles as conftest presents them: a list of instructions (buildkit's parser).

conftest parses a Dockerfile with moby/buildkit and hands policies a list of commands::

    [{"Cmd": "from", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["python:3.12",
      "AS", "build"], "Stage": 0}, {"Cmd": "comment", ..., "Value": ["pin the base"]}, ...]

so a policy reads ``input[i].Cmd == "user"``. Reproduced here, for what policies look at:

* ``Cmd`` lower-cased; comments directly above an instruction become ``"comment"``
  commands before it (a bare ``#`` line forgets them; parser directives such as
  ``# syntax=`` at the top are not comments);
* ``Value`` split per instruction as buildkit splits it: ``FROM``/``EXPOSE`` on
  whitespace; ``RUN``/``CMD``/``ENTRYPOINT``/``SHELL`` one string, or the JSON array's
  strings with ``JSON: true``; ``COPY``/``ADD``/``VOLUME`` the JSON array or whitespace
  words; ``ENV``/``LABEL`` as ``key, value, "="`` triples (``key, value, ""`` for the old
  ``ENV KEY value`` form), quotes kept; ``ARG`` its words; ``HEALTHCHECK`` the type then
  the command; ``USER``/``WORKDIR``/``STOPSIGNAL``/``MAINTAINER`` the rest of the line;
* ``Flags``: the leading ``--name=value`` words (``COPY --from=build``), quotes removed;
* ``ONBUILD RUN x`` is ``Cmd: "onbuild", SubCmd: "RUN"`` with RUN's values;
* ``Stage``: the index of the ``FROM`` the instruction belongs to;
* line continuations (``\\`` or the ``# escape=`` token), comment and empty lines inside a
  continued instruction, and heredocs (``RUN <<EOF``: the body is skipped, as buildkit
  keeps it outside ``Value``).

An unknown instruction or a ``RUN ["a", 1]`` is a parse error, as it is for conftest.
"""

from __future__ import annotations

import json
import re
from typing import Any

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_HEREDOC_COMMANDS = frozenset({"add", "copy", "run"})
_INSTRUCTIONS = frozenset({
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
    "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume",
    "workdir"})


class DockerfileError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_dockerfile(text: str) -> list[dict[str, Any]]:
    """The list of commands conftest gives a policy for this Dockerfile."""
    escape = "\\"
    lines = text.removeprefix("\ufeff").split("\n")
    commands: list[dict[str, Any]] = []
    comments: list[str] = []
    stage = -1
    looking_for_directives = True
    index = 0
    while index < len(lines):
        number = index + 1
        raw = lines[index].rstrip("\r")
        index += 1
        stripped = raw.lstrip()
        if looking_for_directives:
            directive = _DIRECTIVE.match(stripped)
            if directive and directive.group(1).lower() in _KNOWN_DIRECTIVES:
                if directive.group(1).lower() == "escape":
                    escape = _escape_token(directive.group(2), number)
                continue
            looking_for_directives = False
        if stripped.startswith("#"):
            comment = stripped[1:].strip()
            comments = [*comments, comment] if comment else []
            continue
        line, continued = _trim_continuation(stripped, escape)
        if not continued and not line:
            continue
        buffer = [line]
        while continued and index < len(lines):
            part = lines[index].rstrip("\r")
            index += 1
            if part.lstrip().startswith("#") or not part.strip():
                continue
            part, continued = _trim_continuation(part, escape)
            buffer.append(part)
        command = _command("".join(buffer), number, escape)
        if command["Cmd"] == "from":
            stage += 1
        current = max(stage, 0)
        commands.extend({"Cmd": "comment", "SubCmd": "", "JSON": False, "Flags": None,
                         "Value": [c], "Stage": current} for c in comments)
        comments = []
        command["Stage"] = current
        commands.append(command)
        index = _skip_heredocs(command, "".join(buffer), lines, index, number)
    if not commands:
        raise DockerfileError("file with no instructions", len(lines))
    return commands


def _escape_token(value: str, line: int) -> str:
    if value not in ("\\", "`"):
        raise DockerfileError(f"invalid escape token {value!r} (expected ` or \\)", line)
    return value


def _trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    pattern = re.compile(rf"([^{re.escape(escape)}]){re.escape(escape)}[ \t]*$|"
                         rf"^{re.escape(escape)}[ \t]*$")
    if pattern.search(line):
        return pattern.sub(lambda m: m.group(1) or "", line), True
    return line, False


def _command(line: str, number: int, escape: str) -> dict[str, Any]:
    parts = _WHITESPACE.split(line.strip(), maxsplit=1)
    name = parts[0]
    flags: list[str] | None = None
    args = ""
    if len(parts) == 2:
        args, flags = _builder_flags(parts[1])
        args = args.strip()
    cmd = name.lower()
    if cmd not in _INSTRUCTIONS:
        raise DockerfileError(f"unknown instruction: {name}", number)
    sub_cmd = ""
    values, is_json = _values(cmd, args, escape, number)
    if cmd == "onbuild":
        sub_parts = _WHITESPACE.split(args.strip(), maxsplit=1)
        sub_cmd = sub_parts[0]
        if sub_cmd.lower() not in _INSTRUCTIONS or sub_cmd.lower() in ("onbuild", "from"):
            raise DockerfileError(f"{sub_cmd or 'nothing'} is not allowed in ONBUILD", number)
        sub_args, _ = _builder_flags(sub_parts[1]) if len(sub_parts) == 2 else ("", [])
        values, is_json = _values(sub_cmd.lower(), sub_args.strip(), escape, number)
    return {"Cmd": cmd, "SubCmd": sub_cmd, "JSON": is_json, "Flags": flags,
            "Value": values or None, "Stage": 0}


def _values(cmd: str, rest: str, escape: str, number: int) -> tuple[list[str], bool]:
    if cmd in ("run", "cmd", "entrypoint", "shell"):
        array = _json_array(rest, number)
        if array is not None:
            return array, True
        return ([rest] if rest else []), False
    if cmd in ("add", "copy", "volume"):
        array = _json_array(rest, number)
        if array is not None:
            return array, True
        return _split(rest), False
    if cmd in ("from", "expose"):
        return _split(rest), False
    if cmd in ("env", "label"):
        return _name_values(rest, cmd.upper(), escape, number), False
    if cmd == "arg":
        return _words(rest, escape), False
    if cmd == "healthcheck":
        kind, _, command = rest.partition(" ")
        if not kind:
            return [], False
        array = _json_array(command.lstrip(), number)
        if array is not None:
            return [kind, *array], True
        return [kind, *([command.lstrip()] if command.strip() else [])], False
    return ([rest] if rest else []), False  # user, workdir, stopsignal, maintainer


def _split(rest: str) -> list[str]:
    return _WHITESPACE.split(rest) if rest else []


def _json_array(rest: str, number: int) -> list[str] | None:
    rest = rest.lstrip()
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise DockerfileError("when using JSON array syntax, arrays must be comprised of "
                              "strings only", number)
    return value


def _words(rest: str, escape: str) -> list[str]:
    """buildkit's parseWords: whitespace-separated words, quotes kept, escapes kept."""
    words: list[str] = []
    word: list[str] = []
    blank_ok = False
    quote = ""
    in_word = False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not in_word and not quote:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'" and i + 1 < len(rest):
                word.append(ch)
                i += 1
                ch = rest[i]
            word.append(ch)
            i += 1
            continue
        if ch.isspace():
            if blank_ok or word:
                words.append("".join(word))
            word, blank_ok, in_word = [], False, False
            i += 1
            continue
        if ch in "'\"":
            quote, blank_ok = ch, True
        elif ch == escape:
            if i + 1 == len(rest):
                i += 1
                continue
            word.append(ch)
            i += 1
            ch = rest[i]
        word.append(ch)
        i += 1
    if blank_ok or word:
        words.append("".join(word))
    return words


def _name_values(rest: str, key: str, escape: str, number: int) -> list[str]:
    words = _words(rest, escape)
    if not words:
        return []
    if "=" not in words[0]:
        parts = _WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise DockerfileError(f"{key} must have two arguments", number)
        return [parts[0], parts[1], ""]
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise DockerfileError(f"Syntax error - can't find = in {word!r}. Must be of the "
                                  "form: name=value", number)
        name, _, value = word.partition("=")
        out.extend((name, value, "="))
    return out


def _builder_flags(line: str) -> tuple[str, list[str]]:
    """buildkit's extractBuilderFlags: leading ``--flag`` words (quotes removed), rest."""
    words: list[str] = []
    word = ""
    blank_ok = False
    quote = ""
    phase = "spaces"
    pos = 0
    while pos <= len(line):
        ch = line[pos] if pos < len(line) else ""
        if phase == "spaces":
            if pos == len(line):
                break
            if ch.isspace():
                pos += 1
                continue
            if ch != "-" or pos + 1 == len(line) or line[pos + 1] != "-":
                return line[pos:], words
            phase = "word"
        if phase == "word" and pos == len(line):
            if word != "--" and (blank_ok or word):
                words.append(word)
            break
        if phase == "word":
            if ch.isspace():
                phase = "spaces"
                if word == "--":
                    return line[pos:], words
                if blank_ok or word:
                    words.append(word)
                word, blank_ok = "", False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == len(line):
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word += ch
            pos += 1
            continue
        if ch == quote:  # phase == "quote"
            phase = "word"
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == len(line):
                phase = "word"
                pos += 1
                continue
            pos += 1
            ch = line[pos]
        word += ch
        pos += 1
    return "", words


def _skip_heredocs(command: dict[str, Any], line: str, lines: list[str], index: int,
                   number: int) -> int:
    """Skip the bodies of ``RUN <<EOF`` heredocs (buildkit keeps them out of Value)."""
    cmd = command["SubCmd"].lower() if command["Cmd"] == "onbuild" else command["Cmd"]
    if cmd not in _HEREDOC_COMMANDS or command["JSON"] or "<<" not in line:
        return index
    for word in line.split():
        found = _HEREDOC.match(word)
        if not found or not found.group(3):
            continue
        name = found.group(3).strip("'\"")
        chomp = found.group(2) == "-"
        while index < len(lines):
            candidate = lines[index].rstrip("\r\n")
            index += 1
            if (candidate.lstrip("\t") if chomp else candidate) == name:
                break
        else:
            raise DockerfileError("unterminated heredoc", number)
    return index
