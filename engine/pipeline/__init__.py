"""The pipeline: one scan, stage by stage (DESIGN.md §3) — see ``engine/pipeline/scan.py``.

``scan`` wires the stages; ``request`` holds the request, the loaded units and the unit
boundary; ``loading``, ``rego_stage``, ``checkov_stage``, ``conftest_stage`` and
``decide_stage`` are the stages; ``caching`` opens the result cache.
"""

from __future__ import annotations

from engine.pipeline.checkov_stage import engine_version
from engine.pipeline.decide_stage import apply_request_waivers
from engine.pipeline.request import ScanRequest, policy_dirs
from engine.pipeline.scan import run_scan

__all__ = ["ScanRequest", "apply_request_waivers", "engine_version", "policy_dirs", "run_scan"]
