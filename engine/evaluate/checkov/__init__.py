"""The Checkov engine (DESIGN.md §3 evaluate, §6 Checkov), Checkov used as a library.

Importing this package does not import Checkov: ``CheckovEngine.run`` loads it on first use,
offline (see ``offline.py``).

Modules: ``runner`` (the engine), ``terraform`` / ``kubernetes`` (Checkov's runners, scoped),
``mapping`` (results -> ``Finding``), ``severity`` (the Checkov id map), ``skips`` (config and
inline skips), ``offline`` (no network, no subprocess, no logging takeover), ``speedups``.
"""

from __future__ import annotations

from engine.evaluate.checkov.mapping import RenderedObject
from engine.evaluate.checkov.runner import CheckovEngine, CheckovOutcome
from engine.evaluate.checkov.severity import SeverityMapError
from engine.evaluate.checkov.skips import CheckovSkip, InlineSuppression

__all__ = [
    "CheckovEngine",
    "CheckovOutcome",
    "CheckovSkip",
    "InlineSuppression",
    "RenderedObject",
    "SeverityMapError",
]
