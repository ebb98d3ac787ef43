"""``SHA256SUMS``: the one file that lists every artifact of a report folder with its hash.

The format is GNU coreutils' own (``sha256sum`` output, ``sha256sum -c`` input):
``<64 lowercase hex>  <name>`` per line, LF-terminated. GNU escapes a name holding a
backslash, a newline or a carriage return by starting the line with ``\\``; such a name is
refused at write time and such a line is malformed at check time, so what is written here
and what an auditor's ``sha256sum -c`` reads are the same bytes with one meaning.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SUMS_NAME = "SHA256SUMS"
SSH_SIGNATURE_NAME = "SHA256SUMS.sig"
GPG_SIGNATURE_NAME = "SHA256SUMS.asc"
# Files of the seal itself: never listed in SHA256SUMS, never "added after sealing".
SEAL_FILES = frozenset({SUMS_NAME, SSH_SIGNATURE_NAME, GPG_SIGNATURE_NAME})

_CHUNK = 1 << 20
# A GNU line: hash, one space, the mode (space = text, '*' = binary; the same on Linux), name.
_LINE = re.compile(r"([0-9a-f]{64}) ([ *])(.+)")
# Names GNU would escape (backslash, LF, CR) and every other control character: a name must
# read the same in a terminal, in SHA256SUMS and in the folder listing.
_UNSAFE_CHAR = re.compile(r"[\x00-\x1f\x7f\\]")


class SumsError(Exception):
    """SHA256SUMS cannot be written as asked; the message names the file and the cause."""


@dataclass(frozen=True)
class Entry:
    """One line of SHA256SUMS."""

    line: int
    digest: str
    name: str


@dataclass(frozen=True)
class Parsed:
    """SHA256SUMS read back: its entries and what is wrong with it (line numbers)."""

    entries: tuple[Entry, ...]
    problems: tuple[str, ...]


def unsafe_name(name: str) -> str | None:
    """Why ``name`` cannot be listed in SHA256SUMS (None when it can): it must be a plain
    file name inside the folder that GNU writes without escaping."""
    if not name:
        return "an empty name"
    if name in (".", ".."):
        return f"{name!r} is not a file name"
    if "/" in name:
        return "a path, not a file name in the folder ('/')"
    if _UNSAFE_CHAR.search(name):
        return "a backslash or control character (sha256sum would escape it)"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "bytes that are not UTF-8"
    if name in SEAL_FILES:
        return "a file of the seal itself"
    return None


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in chunks: a PDF can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def render_sums(out_dir: Path, names: Iterable[str]) -> str:
    """The text of SHA256SUMS for ``names`` in ``out_dir``, sorted by name.

    Raises SumsError for a name that is not a plain safe file name, a name given twice, or
    a file that is not a regular file in the folder (a link would seal whatever it points at
    today, and would not travel with the folder).
    """
    chosen = list(names)
    if not chosen:
        raise SumsError(f"{SUMS_NAME}: no file to list")
    if len(set(chosen)) != len(chosen):
        raise SumsError(f"{SUMS_NAME}: a file is named twice")
    lines = []
    for name in sorted(chosen):
        why = unsafe_name(name)
        if why is not None:
            raise SumsError(f"{SUMS_NAME}: refusing to list {name!r}: {why}")
        path = out_dir / name
        try:
            mode = os.lstat(path).st_mode
            if not stat.S_ISREG(mode):
                raise SumsError(f"{SUMS_NAME}: {path} is not a regular file")
            lines.append(f"{file_digest(path)}  {name}\n")
        except OSError as exc:
            raise SumsError(f"{SUMS_NAME}: cannot read {path}: {exc.strerror or exc}") from None
    return "".join(lines)


def parse_sums(data: bytes) -> Parsed:
    """Read SHA256SUMS strictly: anything this module would not have written is a problem
    naming its line, because a hand-edited seal is altered evidence."""
    entries: list[Entry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    if not data:
        return Parsed((), (f"{SUMS_NAME} is empty: it lists no file",))
    if not data.endswith(b"\n"):
        problems.append(f"{SUMS_NAME}: the last line does not end with a newline")
    for number, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n")
                                 else data.split(b"\n"), start=1):
        where = f"{SUMS_NAME} line {number}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{where}: not UTF-8")
            continue
        match = _LINE.fullmatch(text)
        if match is None:
            problems.append(f"{where}: malformed (expected '<64 lowercase hex>  <file name>')")
            continue
        digest, _, name = match.groups()
        why = unsafe_name(name)
        if why is not None:
            problems.append(f"{where}: {name!r} cannot be listed: {why}")
            continue
        if name in seen:
            problems.append(f"{where}: {name!r} is already listed on line {seen[name]}")
            continue
        seen[name] = number
        entries.append(Entry(number, digest, name))
    return Parsed(tuple(entries), tuple(problems))
