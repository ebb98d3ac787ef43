"""What every HTML report shares: one Jinja2 environment and the CSP hash of its stylesheet.

The scan report (engine/report/html.py) and the quarterly report (engine/audit/render_html.py)
both render untrusted text into a single file that must stay inert, so both are built the
same way, here:

* ``autoescape=True`` for every template, whatever its file name ends with
  (``select_autoescape`` decides by extension, and ``.j2`` is not one it escapes);
* ``undefined=StrictUndefined``: a misspelt key is an error, never an empty cell;
* ``finalize=visible``: every printed value has its control and bidi characters made visible
  (``\\xNN``, the text report's rule) before it is escaped;
* the ``csp_hash`` filter: the Content-Security-Policy source that allows exactly the page's
  own inline stylesheet and nothing else.

Templates are read from ``reports/`` and compiled with no loader: they cannot include, import
or extend anything else on disk.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import Any

from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from engine.report.text import clean
from engine.resources import reports_dir


def visible(value: Any) -> Any:
    """Every ``{{ }}`` value goes through here before autoescaping: control characters (ANSI
    escapes, NUL, bidi overrides) become visible ``\\xNN`` text. Markup is the template's
    own (its stylesheet), left as it is."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return clean(value)


def csp_hash(css: str) -> Markup:
    """The CSP source that allows exactly this inline stylesheet and no other (quotes and
    base64 only: safe as it is inside the attribute)."""
    digest = hashlib.sha256(str(css).encode("utf-8")).digest()
    return Markup("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")


def environment() -> Environment:
    """A fresh environment with the settings above; callers may add their own filters."""
    env = Environment(autoescape=True, undefined=StrictUndefined, finalize=visible,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["csp_hash"] = csp_hash
    return env


@functools.cache
def template(name: str) -> Template:
    """``reports/<name>`` compiled once per process."""
    source = (reports_dir() / name).read_text(encoding="utf-8")
    return environment().from_string(source)
