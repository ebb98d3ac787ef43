"""Path globs in the config (exclusions, Checkov skip paths): one dialect everywhere.

Patterns are relative to the scan root, POSIX: ``*`` and ``?`` stay inside one path segment,
``**`` crosses segments, and a pattern that names a directory covers everything below it.
"""

from __future__ import annotations

import re
from functools import lru_cache


def path_matches(pattern: str, path: str) -> bool:
    """Match a root-relative POSIX path against a glob (see ``CheckovSkip``)."""
    return _compile_glob(pattern).match(path) is not None


@lru_cache(maxsize=256)
def _compile_glob(pattern: str) -> re.Pattern[str]:
    cleaned = pattern.strip().replace("\\", "/")
    while cleaned.startswith("./"):
        cleaned = cleaned[2:]
    cleaned = cleaned.strip("/")
    parts: list[str] = []
    i = 0
    while i < len(cleaned):
        char = cleaned[i]
        if cleaned.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif cleaned.startswith("**", i):
            parts.append(".*")
            i += 2
        elif char == "*":
            parts.append("[^/]*")
            i += 1
        elif char == "?":
            parts.append("[^/]")
            i += 1
        elif char == "[":
            end = cleaned.find("]", i + 1)
            if end == -1:
                parts.append(re.escape(char))
                i += 1
            else:
                body = cleaned[i + 1 : end]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                parts.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            parts.append(re.escape(char))
            i += 1
    # A pattern that names a directory covers everything below it.
    return re.compile("^" + "".join(parts) + "(?:/.*)?$")
