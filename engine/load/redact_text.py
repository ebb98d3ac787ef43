"""Secret values out of free text: error messages and log lines that quote what they read.

Structured data is redacted at load time (engine/load/redact.py); text produced by another
program is not structured. Helm's ``fail``/``required`` messages and template errors can
print any value they were given (``{{ fail (printf "bad %s" .Values.dbPassword) }}``). Such
text is scrubbed against the values that the same key rules call secret: every string
below a credential-named key (camelCase too) or a credential-named ``env`` entry, and the
value of ``--set name=value`` expressions whose last key is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.load.redact import REDACTED_TEXT, is_secret_env_name, is_secret_key

# A value this short is too likely to be a common word or number to replace inside text.
_MIN_LENGTH = 4


def secret_strings(value: Any, below_secret: bool = False) -> set[str]:
    """Every scalar (as text) that redaction would hide in ``value``."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        name = value.get("name")
        env_secret = isinstance(name, str) and "value" in value and is_secret_env_name(name)
        for key, item in value.items():
            secret = below_secret or (isinstance(key, str) and (
                is_secret_key(key) or (key == key.upper() and is_secret_env_name(key))))
            if env_secret and key == "value":
                secret = True
            found |= secret_strings(item, secret)
    elif isinstance(value, list):
        for item in value:
            found |= secret_strings(item, below_secret)
    elif below_secret and value is not None and not isinstance(value, bool):
        found.add(str(value))
    return found


def set_expression_secrets(expressions: Iterable[str]) -> set[str]:
    """Values of ``--set a.b.password=...`` expressions (comma-separated pairs)."""
    found: set[str] = set()
    for expression in expressions:
        for pair in expression.split(","):
            key, equals, value = pair.partition("=")
            last = key.rsplit(".", 1)[-1].strip()
            if equals and (is_secret_key(last) or is_secret_env_name(last)):
                found.add(value)
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret (longest first) replaced."""
    for secret in sorted({s for s in secrets if len(s) >= _MIN_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED_TEXT)
    return text
