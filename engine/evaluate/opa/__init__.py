"""Remote OPA as the Rego engine (``--opa-url``): opa-python-client's session, a thin adapter
for what it lacks, and a backend for the Rego evaluator. Imported only when configured."""

from __future__ import annotations

from engine.evaluate.opa.backend import MODES, RemoteOpaBackend
from engine.evaluate.opa.errors import RemoteOpaError

__all__ = ["MODES", "RemoteOpaBackend", "RemoteOpaError"]
