"""What a Terraform load returns to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from engine.model import Resource, ScanError


@dataclass(frozen=True)
class LoadResult:
    resources: tuple[Resource, ...]  # kind="terraform", ordered by file then line
    errors: tuple[ScanError, ...]  # code "parse-error" (bad input) or "engine-error" (a bug)
