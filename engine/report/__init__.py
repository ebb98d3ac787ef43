"""Report: one module per output format behind one small interface (DESIGN.md §3, "report").

Reporters are registered here by name and imported only when asked for, so ``--help`` and
an unused format cost nothing. Each module exposes ``render(result, options) -> str``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from engine.model import ScanResult

# format name -> module under engine.report
REPORTERS: dict[str, str] = {
    "text": "engine.report.text",
    "json": "engine.report.json_report",
    "html": "engine.report.html",
    "sarif": "engine.report.sarif",
    "junit": "engine.report.junit",
    "markdown": "engine.report.markdown",
    "github": "engine.report.github",
}


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int = 100
    # -o markdown: the size cap in UTF-8 bytes (None: 65,536, a PR comment's limit; a step
    # summary allows 1 MiB). Set by ``scan --markdown-limit``.
    markdown_limit: int | None = None


class Render(Protocol):
    def __call__(self, result: ScanResult, options: RenderOptions) -> str: ...


def get_renderer(name: str) -> Render:
    try:
        module = importlib.import_module(REPORTERS[name])
    except KeyError:
        known = ", ".join(sorted(REPORTERS))
        raise ValueError(f"unknown output format {name!r} (known: {known})") from None
    render: Render = module.render
    return render
