"""Escaping untrusted text for the CI formats (SARIF, JUnit, Markdown, workflow commands).

Everything a pull request controls — resource names, label values, messages, file names —
ends up in these outputs. Each function here makes one value inert for one syntax; the
reporters call them on every untrusted value and never build markup from raw text.
The terminal's ``clean()`` (engine/report/text.py) is the first step of most of them: it
makes control and bidi characters visible and keeps a value on one line.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from engine.report.text import clean

# Characters XML 1.0 cannot carry at all, not even as a character reference (NUL, most C0
# controls, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Control and bidi characters that are valid XML but would colour a terminal showing the
# report or reorder what a reviewer reads (the same set ``clean()`` shows, minus tab/LF/CR).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# CommonMark's backslash-escapable punctuation that can start markup in a table cell or a
# list item: emphasis, code spans, links and images, tables, strike-through, headings.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]()!|~#<>&")
_MARKDOWN_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_ZERO_WIDTH_SPACE = "\u200b"
# GitHub turns "@name" into a mention (a notification), bare URLs into links and "#12",
# "owner/repo#12" and "GH-12" into issue references (a backlink on that issue) even when
# their punctuation is escaped, because it does so on the rendered text: break the pattern.
_AUTOLINK = re.compile(r"(@|://|www\.|#(?=\d)|GH-(?=\d))", re.IGNORECASE)


def visible(value: object) -> str:
    """Text with newlines kept and every other control or bidi character shown as ``\\xNN``."""
    return _INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def xml_text(value: object, *, one_line: bool = True) -> str:
    """Text an XML document can hold: control characters visible, invalid ones replaced.

    The XML library escapes ``&``, ``<``, ``>`` and quotes (and so ``]]>``); this removes
    what no escaping can carry.
    """
    text = clean(value) if one_line else visible(value)
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}" if len(m.group()) == 1
                            and ord(m.group()) < 0x100 else "\ufffd", text)


def markdown(value: object) -> str:
    """One line of untrusted text for a Markdown table cell, list item or ``<details>``.

    GitHub renders raw HTML in Markdown, so ``<``, ``>`` and ``&`` become entities; the
    punctuation that opens markup is backslash-escaped (a ``\\|`` stays inside its table
    cell); mentions and autolinks are broken with a zero-width space; newlines become spaces.
    """
    text = _AUTOLINK.sub(lambda m: m.group()[0] + _ZERO_WIDTH_SPACE + m.group()[1:],
                         clean(value))
    out = []
    for char in text:
        if char in _MARKDOWN_ENTITIES:
            out.append(_MARKDOWN_ENTITIES[char])
        elif char in _MARKDOWN_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def workflow_data(value: object) -> str:
    """The message part of a GitHub workflow command (after the second ``::``).

    GitHub's runner decodes ``%25``, ``%0D`` and ``%0A`` there; escaping them keeps a value
    on its command's line, so nothing in it can start a new command.
    """
    text = clean(value)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(value: object) -> str:
    """A property value of a workflow command (``file=``, ``title=``): as data, plus ``:``
    and ``,``, which would end the value."""
    return workflow_data(value).replace(":", "%3A").replace(",", "%2C")


def uri_path(path: str) -> str:
    """A relative path as a URI reference (RFC 3986): every byte outside the unreserved set
    and ``/`` percent-encoded, so spaces, ``|``, ``<``, ``%`` and ``#`` stay part of the path."""
    return quote(path, safe="/")
